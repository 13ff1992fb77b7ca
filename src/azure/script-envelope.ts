/**
 * The script text and the two parameters Run Command is sent for a template (see templates/lib/envelope.ps1).
 *
 * Windows Run Command builds `script.ps1 -Name value …` unquoted and passes it through cmd.exe: blanks split
 * a value, `&` ends the command, `^` and `%` are eaten (azure-cli#25042, azure-powershell#29880,
 * azure-docs#80366). So every input travels inside one of two values that only hold base64url characters
 * (RFC 4648 §5, no padding: `[A-Za-z0-9_-]`): QlikInputs (plain) and QlikProtectedInputs (protected), each
 * the UTF-8 JSON `{name: value}` of its inputs. The envelope decodes them on the VM and runs the template
 * with them, by name.
 */
import { loadTemplate, TemplateError } from '../qlik/templates.js';

export const ENVELOPE_TEMPLATE = 'lib/envelope.ps1';
/** Where the envelope takes the template: a line of its own inside `$QlikEnvelopeTemplate = { … }`. */
const TEMPLATE_MARKER = /^#@template$/m;
/**
 * The template becomes the body of a script block literal, which parses as a script file does, except for
 * statements only a file may hold (they must come first in a file). A line comment on its last line
 * cannot swallow the closing brace, which is on a line of its own.
 */
const FILE_ONLY_STATEMENT = /^[ \t]*(#requires\b|using[ \t]+(namespace|module|assembly)\b)/im;
/** Inputs for the envelope itself (running as the service account), never a template's. */
export const RUN_AS_ACCOUNT = 'QlikRunAsAccount';
export const RUN_AS_PASSWORD = 'QlikRunAsPassword';
export const RUN_AS_TIMEOUT = 'QlikRunAsTimeoutSeconds';
/** Protected inputs too large for the command line: a read-only SAS link to their JSON, staged as a blob. */
export const STAGED_INPUTS = 'QlikInputsUrl';
export const PLAIN_INPUTS = 'QlikInputs';
export const PROTECTED_INPUTS = 'QlikProtectedInputs';

/** The envelope around `template`, the expanded text of the template `name` (loadTemplate). */
export async function envelopeScript(template: string, name: string): Promise<string> {
  const fileOnly = FILE_ONLY_STATEMENT.exec(template);
  if (fileOnly) throw new TemplateError(`${name} holds '${fileOnly[1]}', which only a script file may hold; the envelope runs the template as a script block`);
  const envelope = await loadTemplate(ENVELOPE_TEMPLATE);
  if (!TEMPLATE_MARKER.test(envelope)) throw new TemplateError(`${ENVELOPE_TEMPLATE} has no #@template line`);
  return envelope.replace(TEMPLATE_MARKER, () => template.trimEnd());
}

/** base64url of the UTF-8 JSON of `inputs`; `{}` when there are none, so that no value is ever empty on the command line. */
export function encodeInputs(inputs: Readonly<Record<string, string>>): string {
  return Buffer.from(JSON.stringify(inputs), 'utf8').toString('base64url');
}

/** The inverse of encodeInputs; undefined for anything encodeInputs cannot have written. */
export function decodeInputs(encoded: string): Record<string, string> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.every(([, v]) => typeof v === 'string') ? Object.fromEntries(entries as [string, string][]) : undefined;
  } catch {
    return undefined;
  }
}
