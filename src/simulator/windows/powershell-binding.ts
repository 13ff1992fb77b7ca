// How `powershell.exe -File script.ps1 <words>` binds the words to the script's param block.
// Checked against PowerShell 7.6 `pwsh -File` (the binder is the same as Windows PowerShell 5.1's):
// - a word starting with `-` names a parameter: `-Name value`, `-Name:value`, a switch alone or as
//   `-Switch:$false`; names are case-insensitive and any unambiguous prefix (or alias) works; a word
//   after a non-switch parameter that itself starts with `-` is not its value ("Missing an argument").
// - the other words bind by position, in the order of the declared parameters not bound by name
//   (switches never); when any parameter declares Position only those are positional, and with
//   [CmdletBinding(PositionalBinding = $false)] only those as well.
// - an advanced script refuses unknown names and words left over; a simple script (no
//   [CmdletBinding()], no [Parameter()]) puts them in $args.
// - a binding error stops powershell.exe before the script runs: the error on stderr, exit code 1.
// Not modelled: Mandatory (prompting), validation attributes, types other than [int] and [switch].

import type { ParamBlock, ScriptParameter } from './param-block.js';

export type Binding =
  | { readonly ok: true; readonly bound: Readonly<Record<string, string>>; readonly unbound: readonly string[] }
  | { readonly ok: false; readonly errorId: string; readonly message: string };

/** The common parameters every advanced script has (Windows PowerShell 5.1; 7.4 adds ProgressAction). */
const COMMON_PARAMETERS: readonly ScriptParameter[] = [
  ['Verbose', 'vb', 'switch'], ['Debug', 'db', 'switch'], ['ErrorAction', 'ea'], ['WarningAction', 'wa'], ['InformationAction', 'infa'],
  ['ErrorVariable', 'ev'], ['WarningVariable', 'wv'], ['InformationVariable', 'iv'], ['OutVariable', 'ov'], ['OutBuffer', 'ob'], ['PipelineVariable', 'pv'],
].map(([name, alias, kind]) => ({
  name: name!, aliases: [alias!], kind: kind === 'switch' ? 'switch' : 'other',
  typeName: kind === 'switch' ? 'System.Management.Automation.SwitchParameter' : 'System.Object',
}));

const failure = (errorId: string, message: string): Binding => ({ ok: false, errorId, message });
const isParameterWord = (word: string) => word.length > 1 && word.startsWith('-');

/** The declared (and common) parameter a name given on the command line means. */
function resolve(given: string, parameters: readonly ScriptParameter[]): ScriptParameter | Binding | undefined {
  const lower = given.toLowerCase();
  const exact = parameters.find((p) => p.name.toLowerCase() === lower || p.aliases.some((a) => a.toLowerCase() === lower));
  if (exact) return exact;
  const matches = parameters.filter((p) => p.name.toLowerCase().startsWith(lower));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    return failure('AmbiguousParameter', `Parameter cannot be processed because the parameter name '${given}' is ambiguous. Possible matches include: ${matches.map((p) => `-${p.name}`).join(' ')}.`);
  }
  return undefined;
}

function convert(parameter: ScriptParameter, value: string): string | Binding {
  if (parameter.kind === 'switch') return /^(\$false|false|0)$/i.test(value) ? 'False' : 'True';
  if (parameter.kind === 'int' && !/^\s*[+-]?\d+\s*$/.test(value)) {
    return failure('ParameterArgumentTransformationError', `Cannot process argument transformation on parameter '${parameter.name}'. Cannot convert value "${value}" to type "System.Int32". Error: "Input string was not in a correct format."`);
  }
  return value;
}

function positionalParameters(block: ParamBlock): ScriptParameter[] {
  const explicit = block.parameters.filter((p) => p.position !== undefined).sort((a, b) => a.position! - b.position!);
  if (explicit.length > 0 || (block.advanced && !block.positionalBinding)) return explicit;
  return block.parameters.filter((p) => p.kind !== 'switch');
}

/** Binds the words after `-File script.ps1`; a script without a param block takes them all in $args. */
export function bindScriptArguments(words: readonly string[], block: ParamBlock | undefined): Binding {
  if (!block) return { ok: true, bound: {}, unbound: [...words] };
  const known = block.advanced ? [...block.parameters, ...COMMON_PARAMETERS] : block.parameters;
  const bound: Record<string, string> = {};
  // Words left for positional binding, in order; an unknown name of a simple script goes to $args among them.
  const positional: { word: string; bindable: boolean }[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!isParameterWord(word)) {
      positional.push({ word, bindable: true });
      continue;
    }
    const colon = word.indexOf(':');
    const given = colon < 0 ? word.slice(1) : word.slice(1, colon);
    const parameter = resolve(given, known);
    if (parameter && 'ok' in parameter) return parameter;
    if (!parameter) {
      if (block.advanced) return failure('NamedParameterNotFound', `A parameter cannot be found that matches parameter name '${given}'.`);
      positional.push({ word, bindable: false });
      continue;
    }
    if (parameter.name in bound) {
      return failure('ParameterAlreadyBound', `Cannot bind parameter because parameter '${parameter.name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`);
    }
    let value: string;
    if (colon >= 0) value = word.slice(colon + 1);
    else if (parameter.kind === 'switch') value = 'True';
    else if (i + 1 < words.length && !isParameterWord(words[i + 1]!)) value = words[++i]!;
    else return failure('MissingArgument', `Missing an argument for parameter '${parameter.name}'. Specify a parameter of type '${parameter.typeName}' and try again.`);
    const converted = convert(parameter, value);
    if (typeof converted !== 'string') return converted;
    bound[parameter.name] = converted;
  }
  const open = positionalParameters(block).filter((p) => !(p.name in bound));
  const unbound: string[] = [];
  for (const { word, bindable } of positional) {
    const parameter = bindable ? open.shift() : undefined;
    if (parameter) {
      const converted = convert(parameter, word);
      if (typeof converted !== 'string') return converted;
      bound[parameter.name] = converted;
    } else if (block.advanced && bindable) {
      return failure('PositionalParameterNotFound', `A positional parameter cannot be found that accepts argument '${word}'.`);
    } else {
      unbound.push(word);
    }
  }
  return { ok: true, bound, unbound };
}

/**
 * What powershell.exe writes to stderr when binding fails, as for any terminating error of a -File
 * script (the layout of Windows PowerShell 5.1's error view; the exact CategoryInfo text is assumed).
 */
export function bindingErrorText(scriptFile: string, binding: Extract<Binding, { ok: false }>): string {
  const leaf = scriptFile.split('\\').at(-1)!;
  return [
    `${scriptFile} : ${binding.message}`,
    `    + CategoryInfo          : InvalidArgument: (:) [${leaf}], ParentContainsErrorRecordException`,
    `    + FullyQualifiedErrorId : ${binding.errorId},${leaf}`,
    '',
  ].join('\r\n');
}
