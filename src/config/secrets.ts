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

export function assertNoSecrets(text: string, values: readonly string[], where: string): void {
  for (const value of values) {
    if (text.includes(value)) throw new SecretLeakError(where);
  }
}
