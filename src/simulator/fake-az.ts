// A stand-in `az` executable for tests and `--simulate`: it answers exactly what
// @azure/identity's AzureCliCredential runs (`az account get-access-token --output
// json --resource R [--tenant T] [--subscription S]`) plus `az account list|show`,
// with a fixed fake token. It never touches the network and holds no secret.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SIMULATED_SUBSCRIPTION_ID, SIMULATED_TENANT_ID } from './resources/subscriptions.js';

export interface FakeAzSubscription {
  id: string;
  name: string;
  tenantId: string;
  isDefault: boolean;
}

export const FAKE_AZ_TOKEN = 'fake-az-simulator-token';

const DEFAULT_SUBSCRIPTIONS: FakeAzSubscription[] = [
  { id: SIMULATED_SUBSCRIPTION_ID, name: 'Simulated subscription (qlik-azure)', tenantId: SIMULATED_TENANT_ID, isDefault: true },
];

/**
 * The script body. It uses only the `process` global (no require/import), so it runs
 * whether Node treats the extension-less file as CommonJS or as an ES module.
 */
function script(subscriptions: FakeAzSubscription[]): string {
  return `#!/usr/bin/env node
// Fake Azure CLI written by qlik-azure's simulator (src/simulator/fake-az.ts). Not the real az.
const subscriptions = ${JSON.stringify(subscriptions)};
const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const chosen = () => {
  const wanted = option('--subscription');
  const found = wanted ? subscriptions.find((s) => s.id === wanted || s.name === wanted) : subscriptions.find((s) => s.isDefault) ?? subscriptions[0];
  if (!found) { process.stderr.write("ERROR: Subscription '" + wanted + "' not found. Check the spelling and casing and try again.\\n"); process.exit(1); }
  return found;
};
const account = (s) => ({ cloudName: 'AzureCloud', homeTenantId: s.tenantId, id: s.id, isDefault: s.isDefault, managedByTenants: [], name: s.name, state: 'Enabled', tenantId: s.tenantId, user: { name: 'simulated-user@example.invalid', type: 'user' } });
const print = (value) => process.stdout.write(JSON.stringify(value, null, 2) + '\\n');
const [group, command] = args;
if (args[0] === '--version' || args[0] === 'version') {
  print({ 'azure-cli': '2.80.0', 'azure-cli-core': '2.80.0', extensions: {} });
} else if (group === 'account' && command === 'get-access-token') {
  const subscription = chosen();
  const expires = new Date(Date.now() + 3600 * 1000);
  const local = new Date(expires.getTime() - expires.getTimezoneOffset() * 60000).toISOString().replace('T', ' ').replace('Z', '000');
  print({ accessToken: '${FAKE_AZ_TOKEN}', expiresOn: local, expires_on: Math.floor(expires.getTime() / 1000), subscription: subscription.id, tenant: option('--tenant') ?? subscription.tenantId, tokenType: 'Bearer' });
} else if (group === 'account' && command === 'list') {
  print(subscriptions.map(account));
} else if (group === 'account' && command === 'show') {
  print(account(chosen()));
} else {
  process.stderr.write('ERROR: the simulated az only supports "account get-access-token|list|show" (got: ' + args.join(' ') + ')\\n');
  process.exit(2);
}
`;
}

/** Writes an executable `az` into `dir` (created if needed) and returns its path. */
export async function writeFakeAz(dir: string, opts: { subscriptions?: FakeAzSubscription[] } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'az');
  await writeFile(path, script(opts.subscriptions ?? DEFAULT_SUBSCRIPTIONS), 'utf8');
  await chmod(path, 0o755);
  return path;
}
