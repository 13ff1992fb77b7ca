// The sanitiser of recordings (src/azure/sanitise.ts) against a corpus of every secret shape a session with
// Azure can carry, and the check (survivingSecrets) that fails a recording when a secret value survives in
// any encoding.
import { describe, expect, it } from 'vitest';
import { Sanitiser, SUBSCRIPTION_PLACEHOLDER, survivingSecrets } from '../../src/azure/sanitise.js';

const SUBSCRIPTION = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const TENANT = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
const PUBLIC_IP = '20.61.17.203';
const OFFICE = '81.2.69.0/24';
const FQDN = 'qlaz-live-7.westeurope.cloudapp.azure.com';

/** A secrets file with every kind of value the tool takes, special characters included. */
const SECRETS = {
  vmAdminPassword: 'P@ss"w0rd\\%&+ é/?#x',
  serviceAccountPassword: "S3rv!ce'<acc>ount=;,",
  qlikAdminPassword: 'Qlik-Admin-2026!%20',
  repositoryDbPassword: 'R3po$itory{DB}[pw]',
  localUserPassword: 'L0cal|User`s~pw',
  licenseKey: 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJsaWNlbnNlIjoicHJvZmVzc2lvbmFsIn0.c2lnbmF0dXJlLW9mLXRoZS1saWNlbnNl',
  licenseSerial: '9999000000001234',
  licenseControl: '12345',
  pfxPassword: 'pfx:P4ss w/ spaces',
};
const PFX_BASE64 = `MIIKQgIBAzCCCf4GCSqGSIb3DQEHAaCCCe8Egg${'nrMIIJ5zCCBgAGCSqGSIb3DQEHAaCCBfEEggXtMIIF6TCCBeUGCyqGSIb3DQEMCgECoIIE/jCCBPowHAYKKoZIhvcNAQwBAzAO'.repeat(4)}==`;
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const sas = (sig: string) => `https://qaqlaz7.blob.core.windows.net/qlik-azure-run-command-logs/vm/run.log?sv=2022-11-02&se=2026-12-02T09%3A00%3A00Z&sr=b&sp=a&sktid=${TENANT}&sig=${sig}`;

/** What Azure and the product legitimately exchange: every secret rides in a field or shape the sanitiser knows. */
function exchanges(): unknown[] {
  return [
    { RequestUri: `https://management.azure.com/subscriptions/${SUBSCRIPTION}?api-version=2022-12-01`, RequestHeaders: { authorization: `Bearer ${SECRETS.licenseKey.replace('license', 'token')}` }, ResponseBody: { subscriptionId: SUBSCRIPTION, tenantId: TENANT, id: `/subscriptions/${SUBSCRIPTION}` } },
    { RequestUri: `https://management.azure.com/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-qlaz/providers/Microsoft.Compute/virtualMachines/vm?api-version=2024-07-01`, RequestBody: { properties: { osProfile: { computerName: 'qlaz', adminUsername: 'qlikadmin', adminPassword: SECRETS.vmAdminPassword } } } },
    {
      RequestBody: {
        properties: {
          source: { script: 'param($QlikInputs, $QlikProtectedInputs)' },
          parameters: [{ name: 'QlikInputs', value: b64url({ ServiceAccount: 'qservice', SerialKeyHint: 'none', HostWhiteList: `${FQDN},${PUBLIC_IP}` }) }],
          protectedParameters: [{ name: 'QlikProtectedInputs', value: b64url({ ServiceAccountPassword: SECRETS.serviceAccountPassword, SerialKey: SECRETS.licenseSerial, ControlKey: SECRETS.licenseControl, PfxBase64Key: PFX_BASE64, PfxPassword: SECRETS.pfxPassword, QlikAdminPassword: SECRETS.qlikAdminPassword, RepositoryDbPassword: SECRETS.repositoryDbPassword, LocalUserPassword: SECRETS.localUserPassword }) }],
          outputBlobUri: sas('k%2BvQ3nA4qZlYH0p%2F8sDc1lq9R5gJ0xWm%3D'),
        },
      },
    },
    { ResponseBody: { properties: { ipAddress: PUBLIC_IP, dnsSettings: { domainNameLabel: 'qlaz-live-7', fqdn: FQDN } } } },
    { RequestBody: { properties: { securityRules: [{ name: 'qlik-443', properties: { sourceAddressPrefixes: [OFFICE], destinationAddressPrefix: '10.0.0.4' } }] } } },
    { ResponseBody: { keys: [{ keyName: 'key1', value: 'b3RoZXItc3RvcmFnZS1hY2NvdW50LWtleS1ub3QtYS1yZWFsLW9uZQ==', permissions: 'FULL' }] } },
    { ResponseBody: { properties: { instanceView: { executionState: 'Succeeded', exitCode: 0, output: `##qlik-azure[result] {"licensed":true,"serial":"[secret]","host":"${FQDN}","ip":"${PUBLIC_IP}"}` } } } },
    { ResponseHeaders: { 'Azure-AsyncOperation': `https://management.azure.com/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/locations/westeurope/operations/0c1f?p=1&api-version=2024-07-01`, 'Retry-After': '30' } },
  ];
}

const sanitised = (sanitiser: Sanitiser, value: unknown) => JSON.stringify(sanitiser.json(value));

describe('sanitising a recording by shape (the recorder does not know the secret values)', () => {
  const raw = JSON.stringify(exchanges());

  it('the corpus holds every secret in some form before sanitising (the check is not vacuous)', () => {
    expect(survivingSecrets(raw, SECRETS).sort()).toEqual(Object.keys(SECRETS).sort());
  });

  it('leaves no secret value, token, SAS signature or PFX in any encoding', () => {
    const clean = sanitised(new Sanitiser(), exchanges());
    expect(survivingSecrets(clean, SECRETS)).toEqual([]);
    expect(clean).not.toMatch(/eyJ[A-Za-z0-9_-]{6,}\./);
    expect(clean).toContain('Bearer <token>');
    expect(clean).toContain('sig=<sas-signature>');
    expect(clean).not.toContain('k%2BvQ3nA4');
    expect(clean).not.toContain('MIIKQgIBAzCC');
    expect(clean).not.toContain('b3RoZXItc3RvcmFnZS1hY2NvdW50');
  });

  it('replaces subscription and tenant ids, public IPs and cloudapp host names with stable placeholders', () => {
    const clean = sanitised(new Sanitiser(), exchanges());
    for (const identifying of [SUBSCRIPTION, TENANT, PUBLIC_IP, '81.2.69.0', 'qlaz-live-7']) expect(clean).not.toContain(identifying);
    expect(clean).toContain(`/subscriptions/${SUBSCRIPTION_PLACEHOLDER}/resourceGroups`);
    expect(clean).toContain(`"subscriptionId":"${SUBSCRIPTION_PLACEHOLDER}"`);
    expect(clean).toContain('"tenantId":"11111111-0000-0000-0000-000000000001"');
    expect(clean).toContain('sktid=11111111-0000-0000-0000-000000000001');
    // The same address is the same placeholder in the PIP body and in the script's result line.
    expect(clean).toContain('"ipAddress":"198.51.100.1"');
    expect(clean).toContain('\\"ip\\":\\"198.51.100.1\\"');
    expect(clean).toContain('"sourceAddressPrefixes":["198.51.100.2/24"]');
    expect(clean).toContain('"domainNameLabel":"host-1","fqdn":"host-1.westeurope.cloudapp.azure.com"');
    // Private addresses and the names the tool derives identify nobody and stay for the replay.
    expect(clean).toContain('"destinationAddressPrefix":"10.0.0.4"');
    expect(clean).toContain('"computerName":"qlaz"');
  });

  it('sanitises inside base64 JSON inputs and keeps them decodable', () => {
    const clean = new Sanitiser().json(exchanges()[2]) as { RequestBody: { properties: { parameters: { value: string }[] } } };
    const inputs = JSON.parse(Buffer.from(clean.RequestBody.properties.parameters[0]!.value, 'base64url').toString('utf8'));
    expect(inputs).toEqual({ ServiceAccount: 'qservice', SerialKeyHint: '<REDACTED:SerialKeyHint>', HostWhiteList: 'host-1.westeurope.cloudapp.azure.com,198.51.100.1' });
  });

  it('a password that passes for an Azure password keeps a VM PUT replayable: upper, lower and symbols', () => {
    const clean = sanitised(new Sanitiser(), exchanges()[1]);
    expect(clean).toContain('"adminPassword":"<REDACTED:adminPassword>"');
  });

  it('sanitising twice changes nothing (the recorder, then the live runner)', () => {
    const once = sanitised(new Sanitiser(), exchanges());
    expect(sanitised(new Sanitiser(), JSON.parse(once))).toBe(once);
  });
});

describe('a secret the shapes cannot know (a script printing a password)', () => {
  const leaks = {
    raw: `net user qservice ${SECRETS.serviceAccountPassword}`,
    urlEncoded: `GET /qrs/about?pw=${encodeURIComponent(SECRETS.vmAdminPassword)}`,
    formEncoded: `pw=${encodeURIComponent(SECRETS.pfxPassword).replace(/%20/g, '+')}`,
    base64: `blob ${Buffer.from(`prefix:${SECRETS.qlikAdminPassword}:suffix`).toString('base64')}`,
    base64url: `x=${Buffer.from(`ab${SECRETS.repositoryDbPassword}`).toString('base64url')}`,
    jsonEscaped: JSON.stringify({ line: `pw ${SECRETS.vmAdminPassword}` }),
    shortSerialAlone: `license control ${SECRETS.licenseControl} accepted`,
  };

  it.each(Object.entries(leaks))('survives shape-based sanitising and is caught by the check: %s', (_, line) => {
    const clean = new Sanitiser().text(line);
    expect(survivingSecrets(clean, SECRETS)).toHaveLength(1);
  });

  it('a short secret inside a longer id is no false alarm', () => {
    expect(survivingSecrets('/operations/1234567890?p=9999000000001234567', SECRETS)).toEqual([]);
  });
});
