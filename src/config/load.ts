/**
 * Loads the deployment configuration: flags > environment > file > defaults.
 */
import { readFile } from 'node:fs/promises';
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

export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
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

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

export function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: fieldName([...issue.path, issue.keys[0] ?? '']), message: `is not a setting this tool knows. Fix: remove it or check its spelling against 'qlik-azure config schema'` };
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) {
      return { field: fieldName(issue.path), message: 'is required. Fix: set it in the config file, or pass the matching flag' };
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
  const result = configSchema.safeParse(merged);
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
