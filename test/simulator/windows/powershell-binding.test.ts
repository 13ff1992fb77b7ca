import { describe, expect, it } from 'vitest';
import { readParamBlock } from '../../../src/simulator/windows/param-block.js';
import { bindScriptArguments, bindingErrorText } from '../../../src/simulator/windows/powershell-binding.js';

const advanced = readParamBlock('[CmdletBinding()] param([string]$ReleaseName, [string]$InstallerSha256, [switch]$Force, [int]$Count)');
const strict = readParamBlock('[CmdletBinding(PositionalBinding=$false)] param([string]$A, [string]$B)');
const simple = readParamBlock('param([string]$A, [string]$B)');
const explicit = readParamBlock('param([Parameter(Position=0)][string]$A, [string]$B)');
const bind = (words: string, block = advanced) => bindScriptArguments(words.split(' ').filter(Boolean), block);

describe('PowerShell -File parameter binding', () => {
  it('binds -Name value, -Name:value, a switch, names case-insensitive and by unique prefix', () => {
    expect(bind('-releasename May -Inst:abc -F -Cou 3')).toEqual({ ok: true, bound: { ReleaseName: 'May', InstallerSha256: 'abc', Force: 'True', Count: '3' }, unbound: [] });
    expect(bind('-Force:$false')).toMatchObject({ bound: { Force: 'False' } });
  });

  it('binds a stray word by position to the next parameter not bound by name, switches skipped', () => {
    expect(bind('-ReleaseName Qlik Sense')).toMatchObject({ ok: true, bound: { ReleaseName: 'Qlik', InstallerSha256: 'Sense' } });
    expect(bind('-InstallerSha256 x a 7')).toMatchObject({ ok: true, bound: { InstallerSha256: 'x', ReleaseName: 'a', Count: '7' } });
  });

  it('an advanced script refuses a word no parameter takes', () => {
    expect(bind('-ReleaseName Qlik Sense 11 2025')).toMatchObject({ ok: false, errorId: 'PositionalParameterNotFound', message: "A positional parameter cannot be found that accepts argument '2025'." });
    expect(bind('-ReleaseName Qlik Sense November')).toMatchObject({ ok: false, errorId: 'ParameterArgumentTransformationError' });
  });

  it('PositionalBinding=$false refuses any stray word; an explicit Position limits positional binding', () => {
    expect(bind('-A Qlik Sense', strict)).toMatchObject({ ok: false, message: "A positional parameter cannot be found that accepts argument 'Sense'." });
    expect(bind('x y', explicit)).toMatchObject({ ok: false, message: "A positional parameter cannot be found that accepts argument 'y'." });
  });

  it('reports unknown, ambiguous, repeated, missing and unconvertible arguments as PowerShell does', () => {
    expect(bind('-Nope x')).toMatchObject({ errorId: 'NamedParameterNotFound', message: "A parameter cannot be found that matches parameter name 'Nope'." });
    expect(bind('-In x')).toMatchObject({ errorId: 'AmbiguousParameter' });
    expect(bind('-ReleaseName a -ReleaseName b')).toMatchObject({ errorId: 'ParameterAlreadyBound' });
    expect(bind('-ReleaseName -Force')).toMatchObject({ errorId: 'MissingArgument', message: "Missing an argument for parameter 'ReleaseName'. Specify a parameter of type 'System.String' and try again." });
    expect(bind('-ReleaseName')).toMatchObject({ errorId: 'MissingArgument' });
    expect(bind('-Count many')).toMatchObject({ errorId: 'ParameterArgumentTransformationError' });
  });

  it('knows the common parameters of an advanced script', () => {
    expect(bind('-Verbose -ea Stop')).toMatchObject({ ok: true, bound: { Verbose: 'True', ErrorAction: 'Stop' } });
  });

  it('a simple script puts unknown names and stray words in $args, in order', () => {
    expect(bind('-A x y z -C w', simple)).toEqual({ ok: true, bound: { A: 'x', B: 'y' }, unbound: ['z', '-C', 'w'] });
  });

  it('a script without a param block takes every word in $args', () => {
    expect(bindScriptArguments(['-A', 'x'], undefined)).toEqual({ ok: true, bound: {}, unbound: ['-A', 'x'] });
  });

  it('writes the error as powershell.exe does for a -File script', () => {
    const failed = bind('-Nope x');
    if (failed.ok) throw new Error('expected a failure');
    expect(bindingErrorText('C:\\d\\script.ps1', failed)).toBe(
      "C:\\d\\script.ps1 : A parameter cannot be found that matches parameter name 'Nope'.\r\n" +
      '    + CategoryInfo          : InvalidArgument: (:) [script.ps1], ParentContainsErrorRecordException\r\n' +
      '    + FullyQualifiedErrorId : NamedParameterNotFound,script.ps1\r\n',
    );
  });
});
