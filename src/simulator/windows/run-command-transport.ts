// Windows Run Command from ARM's parameter lists to what the script receives, layer by layer:
// the raw command line Azure builds (command-line.ts), cmd.exe (cmd-shell.ts), powershell.exe's argv
// (argv.ts) and PowerShell's parameter binding against the script's param block (param-block.ts,
// powershell-binding.ts). The script itself runs through `runScript` only when all of that lets it;
// otherwise the run ends as Windows would end it, with cmd.exe's or PowerShell's message on stderr.

import type { RunCommandOutcome } from '../types.js';
import { splitCommandLine } from './argv.js';
import { COMMAND_NOT_FOUND_EXIT_CODE, FILE_NOT_FOUND, commandNotFound, interpretCmdLine, type CmdCommand } from './cmd-shell.js';
import { RUN_COMMAND_SCRIPT_FILE, runCommandLine, type NamedValue } from './command-line.js';
import { readParamBlock } from './param-block.js';
import { bindScriptArguments, bindingErrorText } from './powershell-binding.js';

/** What the script really receives. Holds secret values (protected parameters included): never log it. */
export interface ScriptDelivery {
  /** The command line powershell.exe is started with, after cmd.exe. */
  readonly commandLine: string;
  /** The words after `-File <script>`: the script's arguments, as PowerShell receives them. */
  readonly argv: string[];
  /** What the param block bound ($PSBoundParameters), switches as 'True'/'False'. */
  readonly boundParameters: Record<string, string>;
}

export interface WindowsRunCommand {
  /** The script text; its param block decides the binding (none: every word goes to $args). */
  readonly script: string;
  readonly parameters: readonly NamedValue[];
  readonly protectedParameters: readonly NamedValue[];
  /** The environment cmd.exe expands %NAME% from (environment.ts). */
  readonly environment: Readonly<Record<string, string>>;
}

/** The words powershell.exe passes to the script: everything after `-File <script>`. */
function scriptArguments(words: readonly string[]): string[] {
  const file = words.findIndex((word) => /^-f(ile)?$/i.test(word));
  return file < 0 ? [] : words.slice(file + 2);
}

async function startPowerShell(command: CmdCommand, script: string, runScript: (delivery: ScriptDelivery) => Promise<RunCommandOutcome>): Promise<RunCommandOutcome> {
  const argv = scriptArguments(splitCommandLine(command.text));
  const binding = bindScriptArguments(argv, readParamBlock(script));
  if (!binding.ok) return { exitCode: 1, output: '', error: bindingErrorText(RUN_COMMAND_SCRIPT_FILE, binding) };
  return runScript({ commandLine: command.text, argv, boundParameters: { ...binding.bound } });
}

/**
 * Runs a Windows Run Command as Azure delivers it. cmd.exe runs the commands of the line one after
 * the other (`&&`/`||` conditionally, left to right); the first is powershell.exe, any other is
 * what a value's `&` or `|` cut off, which cmd.exe cannot find. The exit code is the last command's.
 */
export async function runThroughWindows(run: WindowsRunCommand, runScript: (delivery: ScriptDelivery) => Promise<RunCommandOutcome>): Promise<RunCommandOutcome> {
  const line = interpretCmdLine(runCommandLine(RUN_COMMAND_SCRIPT_FILE, run.parameters, run.protectedParameters), run.environment);
  if (!line.ok) return { exitCode: line.exitCode, output: '', error: line.error };
  let output = '';
  let error = '';
  let exitCode = 0;
  for (const [index, command] of line.commands.entries()) {
    if ((command.after === '&&' && exitCode !== 0) || (command.after === '||' && exitCode === 0)) continue;
    const result: RunCommandOutcome = command.inputFrom !== undefined
      ? { exitCode: 1, output: '', error: FILE_NOT_FOUND }
      : index === 0
        ? await startPowerShell(command, run.script, runScript)
        : { exitCode: COMMAND_NOT_FOUND_EXIT_CODE, output: '', error: commandNotFound(command.text) };
    // Output written to a file, or piped into the next command, never reaches Run Command.
    if (command.outputTo === undefined && line.commands[index + 1]?.after !== '|') output += result.output;
    error += result.error;
    exitCode = result.exitCode;
  }
  return { exitCode, output, error };
}
