/**
 * The config document the wizard builds, answer by answer, and the one way it checks an answer: put it
 * in the draft and validate the draft with the config schema itself, so every rule (field rules and the
 * cross-field ones, such as "RDP needs source addresses") is the schema's, never a second copy.
 */
import { resolveNames, type ResolvedConfig, type ResourceNames } from '../../config/derive.js';
import { standalone } from '../../config/errors.js';
import { issuesOf } from '../../config/load.js';
import { configSchema } from '../../config/schema.js';

export type Draft = Readonly<Record<string, unknown>>;

/** A copy of `draft` with `value` at `path`; `undefined` removes the key. */
export function setIn(draft: Draft, path: readonly string[], value: unknown): Draft {
  const [key, ...rest] = path;
  if (key === undefined) return draft;
  const copy: Record<string, unknown> = { ...draft };
  if (rest.length > 0) {
    const child = copy[key];
    copy[key] = setIn(child && typeof child === 'object' ? (child as Draft) : {}, rest, value);
  } else if (value === undefined) {
    delete copy[key];
  } else {
    copy[key] = value;
  }
  return copy;
}

/** What the schema says about `path` (or anything under it) in `draft`: a sentence with the fix, or undefined. */
function problemAt(draft: Draft, path: readonly string[]): string | undefined {
  // reportInput: a wrong type reads "must be a number", not "is required" (issuesOf tells them apart by the input).
  const result = configSchema.safeParse(draft, { reportInput: true });
  if (result.success) return undefined;
  const field = path.join('.');
  return issuesOf(result.error).find((issue) => issue.field === field || issue.field.startsWith(`${field}.`))?.message;
}

/**
 * Checks a candidate answer in place: the draft as it would be with `value` at `path`. The schema's own
 * rules say how to fix the value; its plain type checks ("Invalid URL") do not, so `fix` says it then.
 */
export function checkAnswer(draft: Draft, path: readonly string[], value: unknown, fix?: string): string | undefined {
  const problem = standalone(path.join('.'), problemAt(setIn(draft, path, value), path));
  return problem && fix && !problem.includes('Fix:') ? `${problem}. Fix: ${fix}` : problem;
}

/** The draft with its top-level settings in the schema's order, the order a person reads a config in. */
export function inSchemaOrder(draft: Draft): Draft {
  const order = Object.keys(configSchema.shape);
  return Object.fromEntries(Object.entries(draft).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}

/**
 * The resource names a run would derive from the draft so far, once deployment and location are
 * answered. The network questions come later; an any-source stand-in lets the draft validate meanwhile.
 */
export function derivedNames(draft: Draft): ResourceNames | undefined {
  return draftConfig(draft)?.names;
}

/** The config a run would use if the draft were finished now (defaults for what is not asked yet), for the cost estimate. */
export function draftConfig(draft: Draft): ResolvedConfig | undefined {
  const parsed = configSchema.safeParse(setIn(draft, ['network', 'allowAnySource'], true));
  return parsed.success ? resolveNames(parsed.data) : undefined;
}
