/**
 * Credentials by --auth, for the chosen cloud and tenant. @azure/identity is imported only when a command
 * needs Azure. The default chain is never chosen implicitly in tests: they pass --auth cli with a fake
 * `az`, or run --simulate.
 */
import type { TokenCredential } from '@azure/core-auth';
import { cloudProfile } from './clouds.js';

export const AUTH_KINDS = ['default', 'cli', 'device-code', 'browser', 'env', 'managed-identity'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

export function isAuthKind(value: string): value is AuthKind {
  return (AUTH_KINDS as readonly string[]).includes(value);
}

export interface SignIn {
  readonly kind: AuthKind;
  /** --cloud: where device-code, browser, environment and the default chain sign in (its authority host). */
  readonly cloud?: string | undefined;
  /** --tenant / azure.tenantId: a subscription in another tenant than the account's home. */
  readonly tenantId?: string | undefined;
  /** azure.managedIdentityClientId: a user-assigned identity; absent = the system-assigned one. */
  readonly managedIdentityClientId?: string | undefined;
}

/**
 * The options each credential is constructed with, kept apart from construction so that tests can check
 * them for every cloud without building a credential that would reach the network. The Azure CLI has no
 * authority option: `az cloud set` chooses its cloud.
 */
export function credentialOptions(signIn: SignIn): Record<string, string> {
  const authorityHost = cloudProfile(signIn.cloud).authorityHost;
  const tenant: Record<string, string> = signIn.tenantId ? { tenantId: signIn.tenantId } : {};
  switch (signIn.kind) {
    case 'cli':
      return { ...tenant };
    case 'device-code':
    case 'browser':
      return { ...tenant, authorityHost };
    case 'env':
      // The tenant comes from AZURE_TENANT_ID, as the credential reads it.
      return { authorityHost };
    case 'managed-identity':
      return signIn.managedIdentityClientId ? { clientId: signIn.managedIdentityClientId } : {};
    case 'default':
      return signIn.managedIdentityClientId ? { ...tenant, authorityHost, managedIdentityClientId: signIn.managedIdentityClientId } : { ...tenant, authorityHost };
  }
}

export async function createCredential(signIn: SignIn): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const options = credentialOptions(signIn);
  switch (signIn.kind) {
    case 'cli':
      return new identity.AzureCliCredential(options);
    case 'device-code':
      return new identity.DeviceCodeCredential(options);
    case 'browser':
      return new identity.InteractiveBrowserCredential(options);
    case 'env':
      return new identity.EnvironmentCredential(options);
    case 'managed-identity':
      return new identity.ManagedIdentityCredential(options);
    case 'default':
      return new identity.DefaultAzureCredential(options);
  }
}

/** For --simulate: the simulator accepts any bearer token. */
export function simulatorCredential(): TokenCredential {
  return { getToken: async () => ({ token: 'qlik-azure-simulator', expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
