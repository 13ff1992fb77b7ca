/**
 * Loads the deployment configuration: flags > environment > file > defaults.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { resolveNames, type ResolvedConfig } from './derive.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { configSchema } from './schema.js';

/** Settings that flags and environment variables may override, by config path. */
export interface ConfigOverrides {
  deployment?: string | undefined;
  subscriptionId?: string | undefined;
  location?: string | undefined;
}

export const ENVIRONMENT_OVERRIDES: Readonly<Record<keyof ConfigOverrides, string>> = {
  deployment: 'QLIK_AZURE_DEPLOYMENT',
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  location: 'QLIK_AZURE_LOCATION',
};

/** The flags that set the same settings, for blaming a bad value on what the user typed. */
const FLAG_OVERRIDES: Readonly<Partial<Record<keyof ConfigOverrides, string>>> = {
  deployment: '--deployment',
  subscriptionId: '--subscription',
};

export function overridesFromEnvironment(env: NodeJS.ProcessEnv): ConfigOverrides {
  const overrides: ConfigOverrides = {};
  for (const [key, variable] of Object.entries(ENVIRONMENT_OVERRIDES) as [keyof ConfigOverrides, string][]) {
    const value = env[variable];
    if (value) overrides[key] = value;
  }
  return overrides;
}

/** Far above any real config (a few KB); a bigger file is refused before it is read, let alone parsed. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CONFIG_BYTES) {
      throw new ConfigError([{ field: '--config', message: `${path} is ${(size / MAX_CONFIG_BYTES).toFixed(1)} MiB; a qlik-azure config is at most 1 MiB. Fix: point --config at the deployment's YAML settings (see examples/qlik-azure.yaml)` }]);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([{ field: '--config', message: code === 'ENOENT' ? `${path} does not exist. Fix: create it (see examples/qlik-azure.yaml) or run 'qlik-azure init' to write one` : `${path} cannot be read (${code}). Fix: check its permissions` }]);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError([{ field: '--config', message: `${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}. Fix: correct the syntax` }]);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ field: '--config', message: `${path} must hold a mapping of settings. Fix: start from examples/qlik-azure.yaml` }]);
  }
  return document as Record<string, unknown>;
}

function article(kind: string): string {
  return `${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : typeof value;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

export function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(configSchema, issue.path);
      return issue.keys.map((key) => {
        const near = nearestKey(key, known);
        const fix = near ? `: did you mean ${fieldName([...issue.path, near])}? Fix: rename it to ${near}` : `. Fix: remove it or check its spelling against 'qlik-azure config schema'`;
        return { field: fieldName([...issue.path, key]), message: `is not a setting this tool knows${fix}` };
      });
    }
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return [{ field: fieldName(issue.path), message: 'is required. Fix: set it in the config file, or pass the matching flag' }];
      return [{ field: fieldName(issue.path), message: `must be ${article(issue.expected)} (got ${kindOf(issue.input)}). Fix: ${issue.expected === 'string' ? 'write it as text, in quotes if YAML would read it otherwise' : `write ${article(issue.expected)}`}` }];
    }
    return [{ field: fieldName(issue.path), message: issue.message }];
  });
}

/**
 * Validates a raw config document merged with overrides; throws ConfigError listing every problem. A bad
 * value that came from a flag or a variable (`origins`: setting → '--deployment') is blamed on it, not on the file.
 */
export function validateConfig(document: Record<string, unknown>, overrides: ConfigOverrides = {}, source?: string, origins: Partial<Record<keyof ConfigOverrides, string>> = {}): ResolvedConfig {
  const merged: Record<string, unknown> = { ...document };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  // reportInput: a wrong type is told apart from a missing value by the input the issue carries.
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (result.success) return resolveNames(result.data);
  const issues = issuesOf(result.error).map((issue) => ({ ...issue, field: origins[issue.field as keyof ConfigOverrides] ?? issue.field }));
  const fromFile = issues.some((issue) => !Object.values(origins).includes(issue.field));
  throw new ConfigError(issues, fromFile ? source : undefined);
}

export async function loadConfig(options: { file?: string | undefined; flags: ConfigOverrides; env: NodeJS.ProcessEnv }): Promise<ResolvedConfig> {
  const document = options.file ? await readConfigFile(options.file) : {};
  const fromEnvironment = overridesFromEnvironment(options.env);
  const fromFlags = definedOnly(options.flags);
  const origins: Partial<Record<keyof ConfigOverrides, string>> = {};
  for (const key of Object.keys(fromEnvironment) as (keyof ConfigOverrides)[]) origins[key] = ENVIRONMENT_OVERRIDES[key];
  for (const key of Object.keys(fromFlags) as (keyof ConfigOverrides)[]) origins[key] = FLAG_OVERRIDES[key] ?? key;
  return validateConfig(document, { ...fromEnvironment, ...fromFlags }, options.file, origins);
}

/** The keys a mapping of the schema takes at `path` (list indexes and wrappers such as defaults looked through). */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const inner = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as z.ZodType | undefined;
  if (inner) return knownKeysAt(inner, path);
  if (def.type === 'union') return [...new Set((def.options as z.ZodType[]).flatMap((option) => knownKeysAt(option, path)))];
  const [head, ...rest] = path;
  if (def.type === 'array') return head === undefined ? [] : knownKeysAt(def.element as z.ZodType, rest);
  if (def.type !== 'object') return [];
  const shape = def.shape as Record<string, z.ZodType>;
  if (head === undefined) return Object.keys(shape);
  const child = shape[String(head)];
  return child ? knownKeysAt(child, rest) : [];
}

/** Edits from one key to another (Damerau's: two letters swapped count as one), for "did you mean". */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known key a misspelling most likely meant: same letters in another case, or at most a third of it wrong. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const scored = known.map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ candidate, distance }) => distance <= Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3)))
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.candidate;
}

function definedOnly(overrides: ConfigOverrides): ConfigOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as ConfigOverrides;
}
