// The cmd.exe layer a Windows Run Command line passes before PowerShell sees it.
//
// Modelled on the public description of cmd.exe's parser ("How does the Windows Command Interpreter
// (CMD.EXE) parse scripts?", Stack Overflow question 4094699, answers by jeb and dbenham; command-line
// context, not batch) and on what Run Command users reported (see command-line.ts):
// - <CR> is removed and the line ends at the first <LF>: the rest of a multi-line value is lost.
// - %NAME% expands when NAME is a defined environment variable (case-insensitive); an undefined one is
//   left as it is and its closing % may open the next one (`%a %b% c%` with b=a gives `%a a c%`).
//   Dynamic variables (%CD%, %RANDOM%, %DATE%, ...) are not modelled.
// - Outside double quotes `^` escapes the next character and is removed; `&` ends the command and the
//   rest runs as another command (`&&`, `||`: only after a success, a failure); `|` pipes the command's
//   output into the next one; `<` reads input from a file; `>`/`>>` write output to a file.
//   Inside double quotes all of these are literal; quotes themselves stay in the text.
// - cmd.exe refuses a line longer than 8191 characters ("Command prompt (Cmd.exe) command-line string
//   limitation", Microsoft Learn, troubleshoot/windows-client/shell-experience/command-line-string-limitation)
//   with "The command line is too long.", also when an expansion makes it that long.
// Assumed: the line is given to `cmd /c` as it is (it starts with `powershell.exe`, so `/c` strips no
// quotes); a redirection's handle digit (`2>`) is not modelled (every `>` redirects output).

export const CMD_MAX_COMMAND_LINE = 8191;

/** cmd.exe's errorlevel for a command it cannot find. */
export const COMMAND_NOT_FOUND_EXIT_CODE = 9009;

export type CmdOperator = '&' | '&&' | '||' | '|';

export interface CmdCommand {
  /** The command as cmd.exe starts it: carets removed, redirections taken out, blanks around it trimmed. */
  readonly text: string;
  /** How it is joined to the command before it (absent for the first). */
  readonly after?: CmdOperator;
  /** `> file`: the command's output goes to that file, not to the caller. */
  readonly outputTo?: string;
  /** `< file`: the command's input comes from that file. */
  readonly inputFrom?: string;
}

export type CmdLine =
  | { readonly ok: true; readonly commands: readonly CmdCommand[] }
  | { readonly ok: false; readonly exitCode: number; readonly error: string };

/** cmd.exe writes its messages with Windows line ends. */
const message = (...lines: string[]) => lines.map((line) => `${line}\r\n`).join('');

const tooLong = (): CmdLine => ({ ok: false, exitCode: 1, error: message('The command line is too long.') });

/** Phase 1: %NAME% expansion, command-line rules (an undefined name stays). */
export function expandVariables(line: string, environment: Readonly<Record<string, string>>): string {
  const byName = new Map(Object.entries(environment).map(([name, value]) => [name.toLowerCase(), value]));
  let result = '';
  let at = 0;
  while (at < line.length) {
    const open = line.indexOf('%', at);
    const close = open < 0 ? -1 : line.indexOf('%', open + 1);
    if (close < 0) return result + line.slice(at);
    result += line.slice(at, open);
    const value = byName.get(line.slice(open + 1, close).toLowerCase());
    if (value !== undefined && close > open + 1) {
      result += value;
      at = close + 1;
    } else {
      result += line.slice(open, close);
      at = close;
    }
  }
  return result;
}

const BLANK = /[ \t]/;

/** Phase 2: splits at unquoted `& && || |`, takes out redirections, removes escaping carets. */
export function splitCommands(line: string): CmdLine {
  const commands: CmdCommand[] = [];
  let text = '';
  let after: CmdOperator | undefined;
  let outputTo: string | undefined;
  let inputFrom: string | undefined;
  let quoted = false;
  let at = 0;

  const readTarget = (): string => {
    while (at < line.length && BLANK.test(line[at]!)) at++;
    let target = '';
    let inQuotes = false;
    while (at < line.length) {
      const c = line[at]!;
      if (!inQuotes && (BLANK.test(c) || '&|<>'.includes(c))) break;
      if (c === '"') {
        inQuotes = !inQuotes;
      } else if (c === '^' && !inQuotes) {
        at++;
        target += line[at] ?? '';
      } else {
        target += c;
      }
      at++;
    }
    return target;
  };
  const end = (next: CmdOperator | undefined): CmdLine | undefined => {
    const trimmed = text.trim();
    if (!trimmed) {
      // `a &` at the end of the line is allowed; an operator with nothing before it, or `|`/`&&`/`||` with nothing after, is not.
      if (next === undefined && after === '&') return undefined;
      return { ok: false, exitCode: 1, error: message(`${next ?? after ?? '&'} was unexpected at this time.`) };
    }
    commands.push({ text: trimmed, ...(after ? { after } : {}), ...(outputTo !== undefined ? { outputTo } : {}), ...(inputFrom !== undefined ? { inputFrom } : {}) });
    text = '';
    after = next;
    outputTo = undefined;
    inputFrom = undefined;
    return undefined;
  };

  while (at < line.length) {
    const c = line[at]!;
    if (c === '"') {
      quoted = !quoted;
      text += c;
      at++;
    } else if (quoted) {
      text += c;
      at++;
    } else if (c === '^') {
      if (at + 1 < line.length) text += line[at + 1];
      at += 2;
    } else if (c === '&' || c === '|') {
      const doubled = line[at + 1] === c;
      const operator = (doubled ? `${c}${c}` : c) as CmdOperator;
      at += doubled ? 2 : 1;
      const failed = end(operator);
      if (failed) return failed;
    } else if (c === '>' || c === '<') {
      at += c === '>' && line[at + 1] === '>' ? 2 : 1;
      const target = readTarget();
      if (!target) return { ok: false, exitCode: 1, error: message('The syntax of the command is incorrect.') };
      if (c === '>') outputTo = target;
      else inputFrom = target;
    } else {
      text += c;
      at++;
    }
  }
  const failed = end(undefined);
  return failed ?? { ok: true, commands };
}

/** What `cmd /c <line>` makes of a command line, before any command runs. */
export function interpretCmdLine(line: string, environment: Readonly<Record<string, string>>): CmdLine {
  if (line.length > CMD_MAX_COMMAND_LINE) return tooLong();
  const expanded = expandVariables(line.replaceAll('\r', '').split('\n')[0]!, environment);
  if (expanded.length > CMD_MAX_COMMAND_LINE) return tooLong();
  return splitCommands(expanded);
}

/** The name cmd.exe looks a command up by: up to the first blank or `, ; = /`. */
export function commandName(text: string): string {
  const unquoted = text.startsWith('"') ? text.slice(1).split('"')[0]! : text;
  return unquoted.split(/[ \t,;=/]/)[0]!;
}

/** cmd.exe's answer to a command it cannot find (none of its internal commands is modelled). */
export function commandNotFound(text: string): string {
  return message(`'${commandName(text)}' is not recognized as an internal or external command,`, 'operable program or batch file.');
}

/** cmd.exe's answer to `< file` for a file that does not exist. */
export const FILE_NOT_FOUND = message('The system cannot find the file specified.');
