/**
 * Where secrets come from: a secrets file (YAML, owner-only permissions), standard input, generation,
 * or the wizard's hidden prompts. Which secrets a deployment needs follows from its config.
 */
import { randomInt } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { writeFileAtomic } from '../state/atomic-write.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { checkRepositoryPassword, checkServiceAccountPassword, checkWindowsPassword, type RuleCheck } from './rules.js';
import type { DeploymentConfig } from './schema.js';
import { SECRET_FIELDS, Secret, type SecretName, type Secrets } from './secrets.js';

export function requiredSecrets(config: DeploymentConfig): SecretName[] {
  const names: SecretName[] = ['vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'repositoryDbPassword'];
  if (config.qlik.localUsers.count > 0) names.push('localUserPassword');
  if (config.qlik.license.method === 'signed-key') names.push('licenseKey');
  else names.push('licenseSerial', 'licenseControl');
  // pfxPassword is optional: a PFX may have no password.
  return names;
}

/** Secrets a machine can make up: passwords, not license material. */
export const GENERATABLE_SECRETS: ReadonlySet<SecretName> = new Set([
  'vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'localUserPassword', 'repositoryDbPassword',
]);

const SECRET_RULES: Partial<Record<SecretName, RuleCheck>> = {
  vmAdminPassword: checkWindowsPassword,
  serviceAccountPassword: checkServiceAccountPassword,
  qlikAdminPassword: checkWindowsPassword,
  localUserPassword: checkWindowsPassword,
  repositoryDbPassword: checkRepositoryPassword,
};

/** Only the license enabler file is text of several lines; in any other secret a control character is a paste error. */
const CONTROL_CHARACTERS: Partial<Record<SecretName, RegExp>> & { default: RegExp } = {
  licenseLef: /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/,
  default: /[\u0000-\u001f\u007f]/,
};

export function checkSecret(name: SecretName, value: string): string | undefined {
  if (value.length === 0) return 'is empty. Fix: supply a value';
  // Azure takes a tab in a VM password, but Windows and the Qlik installer do not: it would fail at step 29 or later, after resources exist.
  if ((CONTROL_CHARACTERS[name] ?? CONTROL_CHARACTERS.default).test(value)) {
    return 'contains a control character (a tab, a line break or similar), which Windows and Qlik refuse. Fix: retype the value without it; in YAML, quote it on one line';
  }
  return SECRET_RULES[name]?.(value);
}

/** Validates supplied secrets and names every missing one; messages never contain the values. */
/**
 * Every value in examples/secrets.example.yaml starts with this (case aside): a file copied without being
 * filled in is then recognised, and refused for a real deployment.
 */
const EXAMPLE_VALUE = /^example-/i;

/**
 * `allowExamples`: --simulate, where the example file's dummy values are what a newcomer has.
 * `canGenerate`: the command takes --generate-secrets (apply, init), so a missing password's fix may name it.
 */
export function validateSecrets(raw: Record<string, unknown>, required: readonly SecretName[], source: string, options: { allowExamples?: boolean; canGenerate?: boolean } = {}): Secrets {
  const issues: ConfigIssue[] = [];
  const secrets: Secrets = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!(name in SECRET_FIELDS)) {
      issues.push({ field: `secrets.${name}`, message: `is not a secret this tool uses. Fix: remove it; known names are ${Object.keys(SECRET_FIELDS).join(', ')}` });
      continue;
    }
    if (value === null || value === undefined || value === '') continue;
    const text = String(value);
    const problem = !options.allowExamples && EXAMPLE_VALUE.test(text)
      ? `is the example file's dummy value, not a real one. Fix: replace every value in ${source} with your own (or pass --generate-secrets and leave the passwords out); the example values are accepted only with --simulate`
      : checkSecret(name as SecretName, text);
    if (problem) issues.push({ field: `secrets.${name}`, message: problem });
    else secrets[name as SecretName] = new Secret(text);
  }
  for (const name of required) {
    if (!secrets[name] && !issues.some((i) => i.field === `secrets.${name}`)) {
      issues.push({ field: `secrets.${name}`, message: `is missing: ${SECRET_FIELDS[name]}. Fix: add it to the secrets file${options.canGenerate !== false && GENERATABLE_SECRETS.has(name) ? ', or pass --generate-secrets' : ''}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, source);
  return secrets;
}

export async function readSecretsFile(path: string): Promise<Record<string, unknown>> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ConfigError([{ field: '--secrets-file', message: `${path} does not exist. Fix: run 'qlik-azure init --example' to write a secrets.yaml template here, fill it in, and pass --secrets-file secrets.yaml` }]);
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
    throw new ConfigError([{ field: '--secrets-file', message: `${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}). Fix: chmod 600 ${path}` }]);
  }
  return parseSecretsDocument(await readFile(path, 'utf8'), path);
}

export function parseSecretsDocument(text: string, source: string): Record<string, unknown> {
  let document: unknown;
  try {
    // Failsafe: every value stays the text that was written. The core schema would turn an unquoted
    // serial number above 2^53 into a different number and drop the leading zero of a control number.
    document = parseYaml(text, { schema: 'failsafe' });
  } catch {
    // The parser's message may quote the line, and the line may hold a secret.
    throw new ConfigError([{ field: source, message: 'is not valid YAML. Fix: write one "name: value" per line' }]);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) throw new ConfigError([{ field: source, message: 'must be a mapping of secret names to values' }]);
  return document as Record<string, unknown>;
}

const PASSWORD_ALPHABETS = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+=?@^_~-'];

/** A strong password that satisfies both Azure's Windows rule and Qlik's repository rule. */
export function generatePassword(length = 24): string {
  const all = PASSWORD_ALPHABETS.join('');
  const chars = PASSWORD_ALPHABETS.map((alphabet) => alphabet[randomInt(alphabet.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/** The passwords a machine may make up that `known` lacks. */
export function missingGeneratableSecrets(known: Record<string, unknown>, required: readonly SecretName[]): SecretName[] {
  return required.filter((name) => GENERATABLE_SECRETS.has(name) && (known[name] === undefined || known[name] === null || known[name] === ''));
}

/** A new password for each of `names`. */
export function generatePasswords(names: readonly SecretName[]): Partial<Record<SecretName, string>> {
  return Object.fromEntries(names.map((name) => [name, generatePassword()]));
}

/**
 * Adds newly generated passwords to the generated-secrets file at `path` (mode 0600), keeping what it
 * already holds. Only generated passwords go there: supplied secrets are never copied.
 */
export async function writeGeneratedSecrets(path: string, alreadyInFile: Record<string, unknown>, generated: Partial<Record<SecretName, string>>): Promise<void> {
  const document = { ...alreadyInFile, ...generated };
  await writeSecretsFile(path, `# Passwords generated by qlik-azure. Keep this file private (mode 0600); move them into a password manager.\n${stringifyYaml(document)}`);
}

/** A secrets file in the state folder: 0600, atomic, never written through a symbolic link. The caller makes the folder. */
export async function writeSecretsFile(path: string, text: string): Promise<void> {
  await writeFileAtomic(path, text);
}
