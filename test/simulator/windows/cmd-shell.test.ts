import { describe, expect, it } from 'vitest';
import { commandNotFound, expandVariables, interpretCmdLine, splitCommands } from '../../../src/simulator/windows/cmd-shell.js';

const env = { USERNAME: 'QLIK$', TEMP: 'C:\\Windows\\TEMP', b: 'a' };
const texts = (line: string) => {
  const parsed = splitCommands(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.commands;
};

describe('cmd.exe: percent expansion', () => {
  it('expands a defined variable, case-insensitively', () => {
    expect(expandVariables('x%username%y%Temp%', env)).toBe('xQLIK$yC:\\Windows\\TEMP');
  });

  it('leaves an undefined one, whose closing % may open the next (command-line rules)', () => {
    expect(expandVariables('%NOPE%', env)).toBe('%NOPE%');
    expect(expandVariables('%a %b% c%', env)).toBe('%a a c%');
    expect(expandVariables('50%', env)).toBe('50%');
    expect(expandVariables('%%', env)).toBe('%%');
  });
});

describe('cmd.exe: special characters', () => {
  it('removes a caret and keeps the character after it literal', () => {
    expect(texts('run a^&b ^^ c^')).toEqual([{ text: 'run a&b ^ c' }]);
  });

  it('an unquoted & ends the command; the rest is another command', () => {
    expect(texts('run -Url https://x?sv=1&st=2&sig=3')).toEqual([
      { text: 'run -Url https://x?sv=1' }, { text: 'st=2', after: '&' }, { text: 'sig=3', after: '&' },
    ]);
  });

  it('knows && || and |', () => {
    expect(texts('a&&b||c|d').map((c) => c.after)).toEqual([undefined, '&&', '||', '|']);
  });

  it('inside double quotes ^ & | < > are literal, and the quotes stay', () => {
    expect(texts('run "a^b&c|d<e>f" g')).toEqual([{ text: 'run "a^b&c|d<e>f" g' }]);
  });

  it('takes redirections out of the command', () => {
    expect(texts('run -P a>out.txt -Q b')).toEqual([{ text: 'run -P a -Q b', outputTo: 'out.txt' }]);
    expect(texts('run -P a<in')).toEqual([{ text: 'run -P a', inputFrom: 'in' }]);
  });

  it('a trailing & is allowed, an operator with no command before it is not', () => {
    expect(texts('run a &')).toEqual([{ text: 'run a' }]);
    expect(splitCommands('run a & & b')).toMatchObject({ ok: false, error: '& was unexpected at this time.\r\n' });
  });
});

describe('cmd.exe: the whole line', () => {
  it('refuses more than 8191 characters, also after expansion', () => {
    expect(interpretCmdLine(`run ${'x'.repeat(8187)}`, env)).toMatchObject({ ok: true });
    expect(interpretCmdLine(`run ${'x'.repeat(8188)}`, env)).toEqual({ ok: false, exitCode: 1, error: 'The command line is too long.\r\n' });
    expect(interpretCmdLine(`run ${'x'.repeat(8180)}%TEMP%`, env)).toMatchObject({ ok: false, exitCode: 1 });
  });

  it('drops carriage returns and ends at the first line feed', () => {
    expect(interpretCmdLine('run -Lef line1\r\nline2 -Next v', env)).toEqual({ ok: true, commands: [{ text: 'run -Lef line1' }] });
  });

  it('expands before it splits: a variable holding & splits too', () => {
    expect(interpretCmdLine('run %V%', { V: 'a&b' })).toMatchObject({ ok: true, commands: [{ text: 'run a' }, { text: 'b', after: '&' }] });
  });

  it('answers an unknown command with its name up to a blank or = , ; /', () => {
    expect(commandNotFound('st=2025-01-01 -Next v')).toBe("'st' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n");
  });
});
