import { describe, expect, it } from 'vitest';
import { readParamBlock } from '../../../src/simulator/windows/param-block.js';

describe('param block reader', () => {
  it('reads names, kinds, positions and aliases past comments, strings and nested brackets', () => {
    const block = readParamBlock(`<# help, with param( inside #>
# a comment
[CmdletBinding()]
param(
    # the release, e.g. 'a, b'
    [string]$ReleaseName = 'x, ''y''',
    [Parameter(Position = 1)][Alias('n')][int]$Count = (1, 2)[0],
    [switch]$Force,
    $Untyped = "a,\`"b"
)
Write-Output 'body with param($Nope)'`);
    expect(block).toEqual({
      advanced: true,
      positionalBinding: true,
      parameters: [
        { name: 'ReleaseName', aliases: [], kind: 'other', typeName: 'System.String' },
        { name: 'Count', aliases: ['n'], kind: 'int', typeName: 'System.Int32', position: 1 },
        { name: 'Force', aliases: [], kind: 'switch', typeName: 'System.Management.Automation.SwitchParameter' },
        { name: 'Untyped', aliases: [], kind: 'other', typeName: 'System.Object' },
      ],
    });
  });

  it('sees PositionalBinding = $false', () => {
    expect(readParamBlock('[CmdletBinding(PositionalBinding = $false)] param([string]$A)')).toMatchObject({ advanced: true, positionalBinding: false });
  });

  it('a script with no attribute is simple; [Parameter()] alone makes it advanced', () => {
    expect(readParamBlock('param($A, $B) Write-Output 1')).toMatchObject({ advanced: false, parameters: [{ name: 'A' }, { name: 'B' }] });
    expect(readParamBlock('param([Parameter()]$A)')?.advanced).toBe(true);
  });

  it('finds no block when a statement comes first', () => {
    expect(readParamBlock('Write-Output 1\nparam($A)')).toBeUndefined();
    expect(readParamBlock('')).toBeUndefined();
  });
});
