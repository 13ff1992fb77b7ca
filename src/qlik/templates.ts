/**
 * PowerShell templates run on the VM through Azure managed Run Command.
 *
 * Run Command takes ONE script text, so shared code is inlined: a line `#@include lib/common.ps1`
 * (a path relative to templates/) is replaced by that file. Parameters reach the script as named
 * arguments (`-Name value`), which is why `templateParameters` reads the script's param block: the
 * caller can check that every parameter it sends is declared before Azure runs anything.
 */
import { readFile } from 'node:fs/promises';

/** templates/ at the package root: two levels above src/qlik/ and dist/qlik/ alike. */
const defaultTemplatesRoot = new URL('../../templates/', import.meta.url);

const includeLine = /^[ \t]*#@include[ \t]+(\S+)[ \t]*$/;
/** Folders and a file name of letters, digits, `_` and `-`: nothing absolute, no `..`. */
const templateName = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*\.ps1$/;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

async function readTemplateFile(root: URL, name: string, usedBy?: string): Promise<string> {
  const where = usedBy ? `${usedBy} includes '${name}', which` : `template '${name}'`;
  if (!templateName.test(name)) throw new TemplateError(`${where} is not a .ps1 path under templates/`);
  try {
    return await readFile(new URL(name, root), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new TemplateError(`${where} does not exist`);
    throw error;
  }
}

/**
 * The script text to send to Run Command, e.g. `loadTemplate('vm/accounts.ps1')`, with every
 * `#@include` line replaced by the file it names. A file may be included once; an included file
 * may not include others (one level keeps the expanded script predictable).
 */
export async function loadTemplate(name: string, root: URL = defaultTemplatesRoot): Promise<string> {
  const lines = (await readTemplateFile(root, name)).split(/\r?\n/);
  const included = new Set<string>();
  const expanded: string[] = [];
  for (const line of lines) {
    const include = includeLine.exec(line)?.[1];
    if (include === undefined) {
      expanded.push(line);
      continue;
    }
    if (included.has(include)) throw new TemplateError(`${name} includes '${include}' twice`);
    included.add(include);
    const text = await readTemplateFile(root, include, name);
    if (text.split(/\r?\n/).some((includedLine) => includeLine.test(includedLine))) {
      throw new TemplateError(`${include} (included by ${name}) must not include other files`);
    }
    expanded.push(text.trimEnd());
  }
  return `${expanded.join('\n').trimEnd()}\n`;
}

const paramKeyword = /(?<![\w-])param\s*\(/iy;
const variableName = /\$([A-Za-z_][A-Za-z0-9_]*)/y;

/** Whether `pattern` (sticky) matches at `index`; the match is left in `pattern`'s last result. */
function matchAt(pattern: RegExp, text: string, index: number): RegExpExecArray | null {
  pattern.lastIndex = index;
  return pattern.exec(text);
}

/**
 * Names declared in the script's own param block (the first `param(...)` outside any brackets), in
 * order. A small scanner, not a PowerShell parser: it skips comments and quoted strings and takes the
 * first `$name` of each top-level comma-separated declaration, so attributes, types and default values
 * (even `$env:X`) are not mistaken for parameters.
 */
export function templateParameters(script: string): string[] {
  const names: string[] = [];
  let depth = 0;
  let inParamBlock = false;
  let declarationNamed = false;
  let index = 0;
  while (index < script.length) {
    const char = script[index]!;
    let paramOpening: RegExpExecArray | null = null;
    let variable: RegExpExecArray | null = null;
    if (script.startsWith('<#', index)) {
      const end = script.indexOf('#>', index + 2);
      index = end < 0 ? script.length : end + 2;
    } else if (char === '#') {
      const end = script.indexOf('\n', index);
      index = end < 0 ? script.length : end;
    } else if (char === "'" || char === '"') {
      index = endOfString(script, index);
    } else if (!inParamBlock && depth === 0 && (paramOpening = matchAt(paramKeyword, script, index))) {
      inParamBlock = true;
      depth = 1;
      index += paramOpening[0].length;
    } else if ('([{'.includes(char)) {
      depth += 1;
      index += 1;
    } else if (')]}'.includes(char)) {
      depth -= 1;
      if (inParamBlock && depth === 0) return names;
      index += 1;
    } else if (inParamBlock && depth === 1 && char === ',') {
      declarationNamed = false;
      index += 1;
    } else if (inParamBlock && depth === 1 && !declarationNamed && (variable = matchAt(variableName, script, index))) {
      names.push(variable[1]!);
      declarationNamed = true;
      index += variable[0].length;
    } else {
      index += 1;
    }
  }
  return names;
}

/** Index just past the quoted string starting at `start` (PowerShell escapes: doubled quote, and backtick in "..."). */
function endOfString(script: string, start: number): number {
  const quote = script[start];
  let index = start + 1;
  while (index < script.length) {
    const char = script[index];
    if (quote === '"' && char === '`') {
      index += 2;
    } else if (char === quote) {
      if (script[index + 1] !== quote) return index + 1;
      index += 2;
    } else {
      index += 1;
    }
  }
  return index;
}
