// The raw command line Windows Run Command starts a PowerShell script with.
//
// Known (public sources):
// - Managed Run Command passes parameters AND protectedParameters to the script as named arguments,
//   `myscript.ps1 -publicParam1 v1 -secret1 s1` (MicrosoftDocs azure-compute-docs,
//   articles/virtual-machines/windows/run-command-managed.md).
// - The values are written into that line as they are, unquoted: a value with blanks splits and the
//   next word binds by position (Azure/azure-cli#25042, Azure/azure-powershell#7269, where double quotes
//   cannot be escaped either).
// - The line passes a cmd.exe layer: `^ & % < > |` are eaten or end the command, and the Run Command
//   known issues tell users to write `&` as `^&` (Azure/azure-powershell#29880, Azure/azure-cli#20096,
//   MicrosoftDocs/azure-docs#80366; azure-powershell#18440 shows cmd.exe's "'st' is not recognized as an
//   internal or external command" after a SAS link split at `&st=`).
// Assumed (not documented): the exact launcher text `powershell.exe -ExecutionPolicy Unrestricted -File
// <file>`, the script's file name, one blank between words, and plain parameters before protected ones
// (the order of the documentation's example).

export interface NamedValue {
  readonly name: string;
  readonly value: string;
}

/** The file the handler writes the script to (assumed name; only its length matters to cmd.exe's limit). */
export const RUN_COMMAND_SCRIPT_FILE = 'C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows\\Downloads\\script.ps1';

const LAUNCHER = 'powershell.exe -ExecutionPolicy Unrestricted -File';

/**
 * The text Run Command hands to cmd.exe: the launcher, the script file, then every plain parameter and
 * every protected parameter as `-Name value`, nothing quoted. It holds secret values: never log it.
 */
export function runCommandLine(scriptFile: string, parameters: readonly NamedValue[], protectedParameters: readonly NamedValue[]): string {
  const words = [LAUNCHER, scriptFile];
  for (const { name, value } of [...parameters, ...protectedParameters]) words.push(`-${name}`, value);
  return words.join(' ');
}
