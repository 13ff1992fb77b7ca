/**
 * Sign-in follows --cloud and --tenant: the options each credential is built with, per cloud, checked
 * without building one (no default chain, no managed-identity probe, no network at all).
 */
import { AzureAuthorityHosts } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { CLOUD_NAMES, CLOUD_PROFILES, publicDnsName } from '../src/azure/clouds.js';
import { AUTH_KINDS, credentialOptions } from '../src/azure/credentials.js';
import { buildProgram } from '../src/cli/main.js';
import { validateConfig } from '../src/config/load.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-4333-8444-555555555555';

describe('each cloud signs in at its own authority', () => {
  it('uses the authority hosts @azure/identity names', () => {
    expect(CLOUD_PROFILES.AzureCloud.authorityHost).toBe(AzureAuthorityHosts.AzurePublicCloud);
    expect(CLOUD_PROFILES.AzureChinaCloud.authorityHost).toBe(AzureAuthorityHosts.AzureChina);
    expect(CLOUD_PROFILES.AzureUSGovernment.authorityHost).toBe(AzureAuthorityHosts.AzureGovernment);
  });

  for (const cloud of CLOUD_NAMES) {
    it(`${cloud}: device code, browser, environment and the default chain go to ${CLOUD_PROFILES[cloud].authorityHost}`, () => {
      for (const kind of ['device-code', 'browser', 'env', 'default'] as const) {
        expect(credentialOptions({ kind, cloud }), kind).toMatchObject({ authorityHost: CLOUD_PROFILES[cloud].authorityHost });
      }
    });
  }

  it('the Azure CLI and managed identity take no authority: az cloud set and the VM decide', () => {
    expect(credentialOptions({ kind: 'cli', cloud: 'AzureChinaCloud' })).toEqual({});
    expect(credentialOptions({ kind: 'managed-identity', cloud: 'AzureUSGovernment' })).toEqual({});
  });
});

describe('tenant and managed identity', () => {
  it('passes the tenant to every credential that takes one', () => {
    for (const kind of ['cli', 'device-code', 'browser', 'default'] as const) {
      expect(credentialOptions({ kind, tenantId: TENANT }), kind).toMatchObject({ tenantId: TENANT });
    }
    // EnvironmentCredential reads AZURE_TENANT_ID itself.
    expect(credentialOptions({ kind: 'env', tenantId: TENANT })).not.toHaveProperty('tenantId');
  });

  it('selects a user-assigned managed identity by client id, the system-assigned one without', () => {
    expect(credentialOptions({ kind: 'managed-identity', managedIdentityClientId: CLIENT_ID })).toEqual({ clientId: CLIENT_ID });
    expect(credentialOptions({ kind: 'default', managedIdentityClientId: CLIENT_ID })).toMatchObject({ managedIdentityClientId: CLIENT_ID });
  });

  it('covers every --auth kind', () => {
    for (const kind of AUTH_KINDS) expect(() => credentialOptions({ kind })).not.toThrow();
  });

  it('reads azure.tenantId and azure.managedIdentityClientId from the config, refusing a malformed one', () => {
    const base = { deployment: 'qlik-demo', location: 'chinaeast2', network: { allowedSourceCidrs: ['203.0.113.0/24'] } };
    const config = validateConfig({ ...base, azure: { tenantId: 'contoso.partner.onmschina.cn', managedIdentityClientId: CLIENT_ID } });
    expect(config.azure).toEqual({ tenantId: 'contoso.partner.onmschina.cn', managedIdentityClientId: CLIENT_ID, registerProviders: true });
    expect(() => validateConfig({ ...base, azure: { tenantId: 'not a tenant' } })).toThrow(/azure\.tenantId: expected a tenant id/);
  });
});

describe('the public DNS name per cloud', () => {
  it('uses the cloud\'s zone', () => {
    expect(publicDnsName('qlik', 'westeurope', 'AzureCloud')).toBe('qlik.westeurope.cloudapp.azure.com');
    expect(publicDnsName('qlik', 'chinaeast2', 'AzureChinaCloud')).toBe('qlik.chinaeast2.cloudapp.chinacloudapi.cn');
    expect(publicDnsName('qlik', 'usgovvirginia', 'AzureUSGovernment')).toBe('qlik.usgovvirginia.cloudapp.usgovcloudapi.net');
  });
});

describe('--help', () => {
  it('offers --tenant and --no-register-providers, and no longer claims Azure Stack Hub', () => {
    const help = buildProgram().helpInformation();
    expect(help).toContain('--tenant <id>');
    expect(help).toContain('--no-register-providers');
    expect(help).not.toMatch(/Stack Hub/i);
  });
});
