/**
 * Step 39: the guide's account table, as accounts.md and accounts.csv beside the state. It names each
 * account, its Windows role, its settings, its purpose and where its secret lives; never the secret.
 */
import type { SecretName } from '../../config/secrets.js';
import type { StepContext } from '../../engine/step.js';
import { artifactStep } from './artifact-step.js';
import { computerName, VM_STEP } from './target.js';

interface AccountRow {
  readonly account: string;
  readonly windowsRole: string;
  readonly settings: string;
  readonly purpose: string;
  readonly secret: SecretName;
}

const COLUMNS: readonly [keyof AccountRow, string][] = [
  ['account', 'Account'], ['windowsRole', 'Windows role'], ['settings', 'Settings'], ['purpose', 'Purpose'], ['secret', 'Secret lives in'],
];
const MANAGED = 'password never expires; user cannot change password';

function accountRows(ctx: StepContext): AccountRow[] {
  const host = computerName(ctx);
  const { qlik } = ctx.config;
  const users = Array.from({ length: qlik.localUsers.count }, (_, i) => `${qlik.localUsers.prefix}${i + 1}`);
  return [
    { account: `${host}\\${String(ctx.outputsOf(VM_STEP).adminUsername || ctx.config.vm.adminUsername)}`, windowsRole: 'Administrators', settings: 'created with the VM', purpose: 'VM administration (RDP, break-glass); not used by Qlik Sense', secret: 'vmAdminPassword' },
    { account: `${host}\\${qlik.serviceAccount}`, windowsRole: 'Administrators', settings: MANAGED, purpose: 'runs the Qlik Sense services; installs Qlik Sense', secret: 'serviceAccountPassword' },
    { account: `${host}\\${qlik.adminAccount}`, windowsRole: 'Users', settings: `${MANAGED}; Qlik RootAdmin`, purpose: 'Qlik Sense administrator (QMC)', secret: 'qlikAdminPassword' },
    ...users.map((user): AccountRow => ({ account: `${host}\\${user}`, windowsRole: 'Users', settings: `${MANAGED}; access through the everyone license rule`, purpose: 'Qlik Sense user (hub)', secret: 'localUserPassword' })),
    { account: 'repository database (postgres, qliksenserepository)', windowsRole: 'none (database user)', settings: 'local repository database on the central node', purpose: 'Qlik Sense Repository Database', secret: 'repositoryDbPassword' },
  ];
}

const cell = (row: AccountRow, key: keyof AccountRow) => (key === 'secret' ? `secrets file (${row.secret})` : row[key]);

function markdown(ctx: StepContext, rows: readonly AccountRow[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    `# Accounts of ${ctx.config.deployment}`,
    '',
    'Passwords are not in this file: each lives in the secrets file under the name shown.',
    '',
    line(COLUMNS.map(([, title]) => title)),
    line(COLUMNS.map(() => '---')),
    ...rows.map((row) => line(COLUMNS.map(([key]) => cell(row, key)))),
    '',
  ].join('\n');
}

function csv(rows: readonly AccountRow[]): string {
  const field = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [COLUMNS.map(([, title]) => title), ...rows.map((row) => COLUMNS.map(([key]) => cell(row, key)))].map((cells) => cells.map(field).join(',')).join('\r\n') + '\r\n';
}

export const accountTableStep = artifactStep((ctx) => {
  const rows = accountRows(ctx);
  return [
    { name: 'accounts.md', content: markdown(ctx, rows), output: 'accountTableMarkdown' },
    { name: 'accounts.csv', content: csv(rows), output: 'accountTableCsv' },
  ];
});
