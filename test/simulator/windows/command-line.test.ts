import { describe, expect, it } from 'vitest';
import { runCommandLine } from '../../../src/simulator/windows/command-line.js';

describe('the raw Run Command line', () => {
  it('writes plain then protected parameters as -Name value, nothing quoted or escaped', () => {
    const line = runCommandLine('C:\\run\\script.ps1', [{ name: 'ReleaseName', value: 'Qlik Sense May 2025' }], [{ name: 'Password', value: 'a"b&c' }]);
    expect(line).toBe('powershell.exe -ExecutionPolicy Unrestricted -File C:\\run\\script.ps1 -ReleaseName Qlik Sense May 2025 -Password a"b&c');
  });

  it('an empty value leaves the name without a word after it', () => {
    expect(runCommandLine('s.ps1', [{ name: 'A', value: '' }, { name: 'B', value: 'x' }], [])).toMatch(/ -A {2}-B x$/);
  });
});
