/**
 * Credentials by --auth. @azure/identity is imported only when a command needs Azure. The default chain
 * is never chosen implicitly in tests: they pass --auth cli with a fake `az`, or run --simulate.
 */
import type { TokenCredential } from '@azure/core-auth';

export const AUTH_KINDS = ['default', 'cli', 'device-code', 'browser', 'env', 'managed-identity'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export function isAuthKind(value: string): value is AuthKind {
  return (AUTH_KINDS as readonly string[]).includes(value);
}

export async function createCredential(kind: AuthKind, tenantId?: string): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const tenant = tenantId ? { tenantId } : {};
  switch (kind) {
    case 'cli':
      return new identity.AzureCliCredential(tenant);
    case 'device-code':
      return new identity.DeviceCodeCredential(tenant);
    case 'browser':
      return new identity.InteractiveBrowserCredential(tenant);
    case 'env':
      return new identity.EnvironmentCredential();
    case 'managed-identity':
      return new identity.ManagedIdentityCredential();
    case 'default':
      return new identity.DefaultAzureCredential(tenant);
  }
}

/** For --simulate: the simulator accepts any bearer token. */
export function simulatorCredential(): TokenCredential {
  return { getToken: async () => ({ token: 'qlik-azure-simulator', expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
