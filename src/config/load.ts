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
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: fieldName([...issue.path, issue.keys[0] ?? '']), message: `is not a setting this tool knows. Fix: remove it or check its spelling against 'qlik-azure config schema'` };
    }
    if (issue.code === 'invalid_type') {
      if (issue.input === undefined) return { field: fieldName(issue.path), message: 'is required. Fix: set it in the config file, or pass the matching flag' };
      return { field: fieldName(issue.path), message: `must be ${article(issue.expected)} (got ${kindOf(issue.input)}). Fix: ${issue.expected === 'string' ? 'write it as text, in quotes if YAML would read it otherwise' : `write ${article(issue.expected)}`}` };
    }
    return { field: fieldName(issue.path), message: issue.message };
  });
}

/** Validates a raw config document merged with overrides; throws ConfigError listing every problem. */
export function validateConfig(document: Record<string, unknown>, overrides: ConfigOverrides = {}, source?: string): ResolvedConfig {
  const merged: Record<string, unknown> = { ...document };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = value;
  }
  // reportInput: a wrong type is told apart from a missing value by the input the issue carries.
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (!result.success) throw new ConfigError(issuesOf(result.error), source);
  return resolveNames(result.data);
}

export async function loadConfig(options: { file?: string | undefined; flags: ConfigOverrides; env: NodeJS.ProcessEnv }): Promise<ResolvedConfig> {
  const document = options.file ? await readConfigFile(options.file) : {};
  const overrides = { ...overridesFromEnvironment(options.env), ...definedOnly(options.flags) };
  return validateConfig(document, overrides, options.file);
}

function definedOnly(overrides: ConfigOverrides): ConfigOverrides {
  return Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as ConfigOverrides;
}
