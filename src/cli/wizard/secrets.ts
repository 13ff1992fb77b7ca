/**
 * Group 5, secrets: each password typed twice in hidden entry, or generated; the license by hidden
 * entry. Checked with the same rules as a secrets file. They go to the deployment's secrets file
 * (mode 0600) so `resume` can use them; never into qlik-azure.yaml.
 */
import { existsSync } from 'node:fs';
import type { ResolvedConfig } from '../../config/derive.js';
import { standalone } from '../../config/errors.js';
import { counted } from '../../config/words.js';
import { checkSecret, GENERATABLE_SECRETS, generatePassword, requiredSecrets } from '../../config/secret-sources.js';
import { SECRET_FIELDS, type SecretName } from '../../config/secrets.js';
import { accountsOf } from '../summary.js';
import { heading, type WizardContext } from './context.js';

export interface SecretAnswers {
  /** Entered or generated values; empty when an earlier run's file is reused. */
  readonly values: Partial<Record<SecretName, string>>;
  /** Names whose values were generated, to be shown once. */
  readonly generated: readonly SecretName[];
}

/** Who uses a password, by user name ("QSAdmin"), or what it guards when no account does. */
function user(config: ResolvedConfig, name: SecretName): { readonly who: string; readonly role?: string } {
  const account = accountsOf(config).find((a) => a.secret === name);
  return account ? { who: account.account.split('\\')[1]!, role: account.role } : { who: SECRET_FIELDS[name].replace(/ \(.*\)$/, '') };
}

/** "QSAdmin (Qlik administrator)" rather than the secret's key. */
function whose(config: ResolvedConfig, name: SecretName): string {
  const { who, role } = user(config, name);
  return role ? `${who} (${role})` : who;
}

async function typeTwice(context: WizardContext, config: ResolvedConfig, name: SecretName): Promise<string> {
  const { ask, output } = context;
  for (;;) {
    const first = await ask.hidden({ message: `Password for ${whose(config, name)}`, check: (answer) => standalone('the password', checkSecret(name, answer)) });
    const second = await ask.hidden({ message: 'The same password again' });
    if (first === second) return first;
    output.line(output.style.yellow('  The two entries differ. Type the password again.'));
  }
}

export async function askSecrets(context: WizardContext, config: ResolvedConfig, secretsFile: string): Promise<SecretAnswers | undefined> {
  const { ask, output } = context;
  heading(output, 'Secrets', `saved to ${secretsFile} (mode 0600), never to qlik-azure.yaml`);
  if (existsSync(secretsFile) && await ask.yesNo({ message: `Secrets for '${config.deployment}' are already saved in ${secretsFile} by an earlier run. Use them?`, default: true })) {
    return undefined;
  }
  const required = requiredSecrets(config);
  const passwords = required.filter((name) => GENERATABLE_SECRETS.has(name));
  const generate = await ask.choose({
    message: `Passwords for ${passwords.map((name) => user(config, name).who).join(', ')}`,
    choices: [
      { value: true, name: 'Generate strong passwords (shown once, and kept in the secrets file)' },
      { value: false, name: 'Type each one (hidden, twice)' },
    ],
    default: true,
  });
  const values: Partial<Record<SecretName, string>> = {};
  for (const name of passwords) values[name] = generate ? generatePassword() : await typeTwice(context, config, name);
  for (const name of required.filter((n) => !GENERATABLE_SECRETS.has(n))) {
    // --simulate: the simulator's example key stands in for a license the newcomer does not have.
    const standIn = name === 'licenseKey' ? context.catalog.standIns?.licenseKey : undefined;
    const value = await ask.hidden({
      message: `${SECRET_FIELDS[name].replace(/ \(.*\)$/, '').replace(/^the /, 'The ')} (paste it; hidden${standIn ? '; Enter takes the simulator\'s example key' : ''})`,
      check: (answer) => (standIn && answer.trim() === '' ? undefined : standalone('the value', checkSecret(name, answer.trim()))),
    });
    values[name] = value.trim() || standIn || '';
    output.line(output.style.dim(`  received ${counted(values[name]!.length, 'character')}`));
  }
  if (config.qlik.certificate) {
    const pfxPassword = (await ask.hidden({ message: 'The password of the PFX (paste it; hidden; empty when it has none)' })).trim();
    if (pfxPassword) values.pfxPassword = pfxPassword;
  }
  return { values, generated: generate ? passwords : [] };
}

/** Prints generated passwords this once, beside who uses them. */
export function showGenerated(context: WizardContext, config: ResolvedConfig, answers: SecretAnswers, secretsFile: string): void {
  if (answers.generated.length === 0) return;
  const { output } = context;
  output.line();
  output.line(output.style.bold(`Generated passwords, shown this once (they are also in ${secretsFile}):`));
  for (const name of answers.generated) output.line(`  ${whose(config, name).padEnd(44)} ${answers.values[name]}`);
}
