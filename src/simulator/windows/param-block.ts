// Reads a PowerShell script's param block the way the binder needs it: which parameters, in which
// order, of which kind, at which explicit position, and whether the script is an advanced script
// ([CmdletBinding()] or a [Parameter()] attribute) with or without PositionalBinding.
// A small reader of the simulator's own, not a PowerShell parser: comments, quoted strings and
// nested brackets are skipped correctly; anything it does not understand in a default value is ignored.

export type ParameterKind = 'switch' | 'int' | 'other';

export interface ScriptParameter {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly kind: ParameterKind;
  /** The .NET type name PowerShell names in its messages. */
  readonly typeName: string;
  /** From [Parameter(Position = N)]. */
  readonly position?: number;
}

export interface ParamBlock {
  /** [CmdletBinding()] or any [Parameter()]: unknown names and stray words are errors, common parameters exist. */
  readonly advanced: boolean;
  /** False with [CmdletBinding(PositionalBinding = $false)]. */
  readonly positionalBinding: boolean;
  readonly parameters: readonly ScriptParameter[];
}

const TYPE_NAMES: Record<string, { kind: ParameterKind; typeName: string }> = {
  switch: { kind: 'switch', typeName: 'System.Management.Automation.SwitchParameter' },
  switchparameter: { kind: 'switch', typeName: 'System.Management.Automation.SwitchParameter' },
  'system.management.automation.switchparameter': { kind: 'switch', typeName: 'System.Management.Automation.SwitchParameter' },
  int: { kind: 'int', typeName: 'System.Int32' },
  int32: { kind: 'int', typeName: 'System.Int32' },
  'system.int32': { kind: 'int', typeName: 'System.Int32' },
  string: { kind: 'other', typeName: 'System.String' },
  'system.string': { kind: 'other', typeName: 'System.String' },
};

/** Index just past the comment, string or bracketed group starting at `at`, or `at` when none starts there. */
function skipUnit(text: string, at: number): number {
  const c = text[at];
  if (c === '#') {
    const end = text.indexOf('\n', at);
    return end < 0 ? text.length : end + 1;
  }
  if (c === '<' && text[at + 1] === '#') {
    const end = text.indexOf('#>', at + 2);
    return end < 0 ? text.length : end + 2;
  }
  if (c === "'") {
    let i = at + 1;
    while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
    return i + 1;
  }
  if (c === '"') {
    let i = at + 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '`' ? 2 : 1;
    return i + 1;
  }
  const close = c === '(' ? ')' : c === '[' ? ']' : c === '{' ? '}' : undefined;
  if (!close) return at;
  let i = at + 1;
  while (i < text.length && text[i] !== close) {
    const next = skipUnit(text, i);
    i = next > i ? next : i + 1;
  }
  return i + 1;
}

/** Skips blanks and comments. */
function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] === '#' || (text[i] === '<' && text[i + 1] === '#')) i = skipUnit(text, i);
    else return i;
  }
}

/** Splits the inside of param(...) at top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    if (text[i] === ',') {
      parts.push(text.slice(start, i));
      start = ++i;
      continue;
    }
    const next = skipUnit(text, i);
    i = next > i ? next : i + 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/** The [..] attributes before a parameter's $name, and the name. */
function readParameter(text: string): { attributes: string[]; name: string } | undefined {
  const attributes: string[] = [];
  let i = skipSpace(text, 0);
  while (text[i] === '[') {
    const end = skipUnit(text, i);
    attributes.push(text.slice(i + 1, end - 1).trim());
    i = skipSpace(text, end);
  }
  const name = /^\$(?:\{([^}]+)\}|([\w:]+))/.exec(text.slice(i));
  if (!name) return undefined;
  return { attributes, name: (name[1] ?? name[2]!).replace(/^.*:/, '') };
}

const argumentsOf = (attribute: string) => attribute.slice(attribute.indexOf('(') + 1, attribute.lastIndexOf(')'));
const attributeName = (attribute: string) => attribute.split('(')[0]!.trim().toLowerCase().replace(/attribute$/, '');

function toParameter(attributes: string[], name: string): { parameter: ScriptParameter; declaresParameter: boolean } {
  let type = { kind: 'other' as ParameterKind, typeName: 'System.Object' };
  let position: number | undefined;
  const aliases: string[] = [];
  let declaresParameter = false;
  for (const attribute of attributes) {
    const kind = attributeName(attribute);
    if (!attribute.includes('(')) {
      type = TYPE_NAMES[kind] ?? { kind: 'other', typeName: attribute };
    } else if (kind === 'parameter') {
      declaresParameter = true;
      const found = /\bPosition\s*=\s*(\d+)/i.exec(argumentsOf(attribute));
      if (found) position = Number(found[1]);
    } else if (kind === 'alias') {
      for (const alias of argumentsOf(attribute).matchAll(/'([^']*)'|"([^"]*)"/g)) aliases.push(alias[1] ?? alias[2]!);
    }
  }
  return { parameter: { name, aliases, ...type, ...(position !== undefined ? { position } : {}) }, declaresParameter };
}

/**
 * The script's param block, or undefined when the script has none (all its arguments then go to $args).
 * Only attributes, comments and blanks may stand before `param(`, as in PowerShell.
 */
export function readParamBlock(script: string): ParamBlock | undefined {
  let i = skipSpace(script, 0);
  let cmdletBinding: string | undefined;
  while (script[i] === '[') {
    const end = skipUnit(script, i);
    const attribute = script.slice(i + 1, end - 1).trim();
    if (attributeName(attribute) === 'cmdletbinding') cmdletBinding = attribute;
    i = skipSpace(script, end);
  }
  const keyword = /^param\s*\(/i.exec(script.slice(i));
  if (!keyword) return undefined;
  const open = i + keyword[0].length - 1;
  const body = script.slice(open + 1, skipUnit(script, open) - 1);
  const parameters: ScriptParameter[] = [];
  let declaresParameter = false;
  for (const part of splitTopLevel(body)) {
    const read = readParameter(part);
    if (!read) continue;
    const parsed = toParameter(read.attributes, read.name);
    parameters.push(parsed.parameter);
    declaresParameter ||= parsed.declaresParameter;
  }
  const positionalBinding = !(cmdletBinding && /\bPositionalBinding\s*=\s*\$false\b/i.test(cmdletBinding));
  return { advanced: cmdletBinding !== undefined || declaresParameter, positionalBinding, parameters };
}
