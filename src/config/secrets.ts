/**
 * Secrets: passwords, license keys and the PFX password. They never come from flags and never enter
 * config, state, logs, process arguments or error text. A `Secret` renders as a placeholder everywhere
 * except through `reveal()`, which only the code that hands it to Azure as a protected parameter calls.
 */
import { inspect } from 'node:util';

const REDACTED = '[secret]';

export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Names of the secrets a deployment can use, with what each is for. */
export const SECRET_FIELDS = {
  vmAdminPassword: 'the VM\'s local administrator (vm.adminUsername)',
  serviceAccountPassword: 'the Qlik service account (qlik.serviceAccount)',
  qlikAdminPassword: 'the Qlik administrator account (qlik.adminAccount)',
  localUserPassword: 'the local Qlik users (qlik.localUsers)',
  repositoryDbPassword: 'the Qlik repository database',
  licenseKey: 'the signed license key (qlik.license.method: signed-key)',
  licenseSerial: 'the license serial number (qlik.license.method: serial)',
  licenseControl: 'the license control number (qlik.license.method: serial)',
  licenseLef: 'the license enabler file text, for servers without internet (optional)',
  pfxPassword: 'the password of qlik.certificate.pfxFile (leave it out for a PFX without one)',
  stateStorageKey: 'the account key of a shared state\'s storage account (state.backend: azblob), for an account without Entra ID sign-in (optional)',
  stateStorageSasToken: 'a SAS token to a shared state\'s container (state.backend: azblob), in place of an account key (optional)',
} as const;

export type SecretName = keyof typeof SECRET_FIELDS;
export type Secrets = Partial<Record<SecretName, Secret>>;

/** Every secret value currently known, so writers of state and logs can prove none leaks. */
export function secretValues(secrets: Secrets): string[] {
  return Object.values(secrets).filter((s): s is Secret => s !== undefined).map((s) => s.reveal()).filter((v) => v.length >= 4);
}

export class SecretLeakError extends Error {
  constructor(where: string) {
    super(`refusing to write ${where}: it would contain a secret value`);
    this.name = 'SecretLeakError';
  }
}

/**
 * Proves that `text` (a file about to be written) holds none of `values`, with no false alarm and no miss:
 * - a distinctive secret (a password, a license key: long and varied) cannot turn up by chance, so it is
 *   looked for anywhere in the text, inside longer values too;
 * - a short or all-digit secret (a license control number, a serial number) can: '20348' is also a Windows
 *   build inside '10.0.20348', '00000' is inside the simulated subscription id. It is compared with whole
 *   values: in JSON, the values of fields that hold secrets (named like licenseControl or password, or the
 *   `value` beside such a `name`); in other text, every word standing on its own.
 */
export function assertNoSecrets(text: string, values: readonly string[], where: string): void {
  const short: string[] = [];
  for (const value of values) {
    if (isDistinctive(value)) {
      if (text.includes(value)) throw new SecretLeakError(where);
    } else {
      short.push(value);
    }
  }
  if (short.length === 0) return;
  const found = (candidate: string) => short.includes(candidate);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    if (text.split(/[\s|,;:=<>"'`()[\]{}]+/).some(found)) throw new SecretLeakError(where);
    return;
  }
  if (secretFieldHolds(document, false, found)) throw new SecretLeakError(where);
}

function isDistinctive(value: string): boolean {
  return value.length >= 10 && /\D/.test(value) && new Set(value).size >= 5;
}

/** Names of fields that carry secrets, in our files and in ARM bodies (Run Command's protected parameters). */
export const SECRET_FIELD = /password|passwd|secret|token|credential|license|serial|control|lef|pfx|sas|sig|key/i;

function secretFieldHolds(node: unknown, inSecretField: boolean, found: (value: string) => boolean): boolean {
  if (typeof node === 'string' || typeof node === 'number') return inSecretField && found(String(node));
  if (Array.isArray(node)) return node.some((item) => secretFieldHolds(item, inSecretField, found));
  if (typeof node !== 'object' || node === null) return false;
  const record = node as Record<string, unknown>;
  // { "name": "LicenseControl", "value": "..." }: the value is as secret as its name says.
  const namedSecret = typeof record.name === 'string' && SECRET_FIELD.test(record.name);
  return Object.entries(record).some(([key, value]) =>
    secretFieldHolds(value, SECRET_FIELD.test(key) || (namedSecret && key === 'value'), found));
}
