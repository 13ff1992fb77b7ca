import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { readConfigFile, validateConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { generatePassword, parseSecretsDocument, readSecretsFile, requiredSecrets, validateSecrets } from '../../src/config/secret-sources.js';
import { checkRepositoryPassword, checkWindowsPassword } from '../../src/config/rules.js';

const base = { deployment: 'qlik-demo', location: 'westeurope', network: { allowedSourceCidrs: ['203.0.113.0/24'] } };

function problems(document: Record<string, unknown>): { field: string; message: string }[] {
  try {
    validateConfig(document);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  return [];
}

describe('config validation', () => {
  it('accepts the minimal config and derives every name from the deployment', () => {
    const config = validateConfig(base);
    expect(config.names).toMatchObject({
      resourceGroup: 'rg-qlik-demo', nsg: 'qlik-demo-nsg', vnet: 'qlik-demo-vnet', publicIp: 'qlik-demo-ip',
      dnsLabel: 'qlik-demo', vm: 'qlik-demo-vm', computerName: 'qlik-demo',
    });
    expect(config.names.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    expect(config.vm.size).toBe('Standard_D4s_v5');
    expect(config.vm.image).toBe('2022-datacenter-azure-edition');
  });

  it('derives a computer name of at most 15 characters that does not end in a hyphen', () => {
    expect(validateConfig({ ...base, deployment: 'qlik-sense-prod-x-west' }).names.computerName).toBe('qlik-sense-prod');
    expect(validateConfig({ ...base, deployment: 'qlik-sense-pro-abc' }).names.computerName).toBe('qlik-sense-pro');
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['storage name with capitals', { storage: { accountName: 'QlikStorage' } }, 'storage.accountName', /3-24 lowercase letters and digits/],
    ['storage name too short', { storage: { accountName: 'qa' } }, 'storage.accountName', /3-24/],
    ['computer name of 16 characters', { vm: { computerName: 'qliksenseserver1' } }, 'vm.computerName', /at most 15/],
    ['computer name ending in a hyphen', { vm: { computerName: 'qlik-' } }, 'vm.computerName', /ends with a hyphen/],
    ['computer name ending in a period', { vm: { computerName: 'qlik.' } }, 'vm.computerName', /characters Windows refuses/],
    ['reserved admin user name', { vm: { adminUsername: 'administrator' } }, 'vm.adminUsername', /reserves/],
    ['reserved admin user name, other case', { vm: { adminUsername: 'Admin' } }, 'vm.adminUsername', /reserves/],
    ['the guide\'s obsolete image', { vm: { image: '2012-R2-Datacenter' } }, 'vm.image', /2012 R2.*out|left extended support/],
    ['an unknown image', { vm: { image: 'ubuntu-24_04' } }, 'vm.image', /not an image/],
    ['a size that is not a size', { vm: { size: 'DS3' } }, 'vm.size', /Standard_D4s_v5/],
    ['a display-name region', { location: 'West Europe' }, 'location', /use 'westeurope'/],
    ['an unknown region', { location: 'moon-north' }, 'location', /not an Azure region/],
    ['a bad CIDR', { network: { allowedSourceCidrs: ['203.0.113.0/33'] } }, 'network.allowedSourceCidrs.0', /not an IPv4 address or CIDR/],
    ['"*" without the opt-in', { network: { allowedSourceCidrs: ['*'] } }, 'network.allowedSourceCidrs', /whole internet.*allowAnySource/],
    ['no source addresses at all', { network: { allowedSourceCidrs: [] } }, 'network.allowedSourceCidrs', /no source addresses/],
    ['RDP without sources', { network: { allowedSourceCidrs: ['203.0.113.0/24'], rdp: { enabled: true } } }, 'network.rdp.sourceCidrs', /RDP is enabled/],
    ['RDP open to everyone', { network: { allowedSourceCidrs: ['203.0.113.0/24'], rdp: { enabled: true, sourceCidrs: ['0.0.0.0/0'] } } }, 'network.rdp.sourceCidrs', /RDP to the whole internet/],
    ['address space with host bits', { network: { allowedSourceCidrs: ['203.0.113.0/24'], vnetAddressSpace: '10.0.0.1/16' } }, 'network.vnetAddressSpace', /did you mean '10\.0\.0\.0\/16'\?/],
    ['a DNS label with capitals', { network: { allowedSourceCidrs: ['203.0.113.0/24'], dnsLabel: 'Qlik' } }, 'network.dnsLabel', /DNS label/],
    ['a bad deployment name', { deployment: 'Qlik_Prod' }, 'deployment', /lowercase letters, digits and hyphens/],
    ['a resource group ending in a period', { resourceGroup: 'rg-qlik.' }, 'resourceGroup', /period/],
    ['a serial license without owner', { qlik: { license: { method: 'serial' } } }, 'qlik.license.owner', /owner and organization/],
    ['an installer URL that is not http(s)', { qlik: { installer: { source: 'url', url: 'ftp://example.com/setup.exe' } } }, 'qlik.installer.url', /.+/],
    ['a misspelt key', { vm: { sise: 'Standard_D4s_v5' } }, 'vm.sise', /not a setting this tool knows: did you mean vm\.size\? Fix: rename it to size/],
    ['a misspelt key at the top', { resourceGruop: 'rg-qlik' }, 'resourceGruop', /did you mean resourceGroup\?/],
    ['a key in another case, two levels down', { network: { allowedSourceCidrs: ['203.0.113.0/24'], rdp: { Enabled: true } } }, 'network.rdp.Enabled', /did you mean network\.rdp\.enabled\?/],
    ['a key like none', { flavour: 'x' }, 'flavour', /not a setting this tool knows\. Fix: remove it/],
    ['an installer URL over plain http', { qlik: { installer: { source: 'url', url: 'http://example.com/setup.exe' } } }, 'qlik.installer.url', /is not an https:\/\/ link/],
    ['a source range with host bits', { network: { allowedSourceCidrs: ['203.0.113.5/24'] } }, 'network.allowedSourceCidrs.0', /did you mean '203\.0\.113\.0\/24'\?/],
    ['a deployment name in capitals', { deployment: 'Qlik-Demo' }, 'deployment', /did you mean 'qlik-demo'\?/],
    ['keepHttp without HTTP', { qlik: { certificate: { pfxFile: 'proxy.pfx', keepHttp: true } } }, 'qlik.certificate.keepHttp', /network.enableHttp/],
    ['a subscription that is not a GUID', { subscriptionId: 'my-subscription' }, 'subscriptionId', /.+/],
    // Issue 12 item 13: types and Azure's tag limits, refused before anything is created.
    ['a deployment that is a number', { deployment: 12345 }, 'deployment', /must be a string \(got number\)/],
    ['a location that is a list', { location: ['westeurope'] }, 'location', /must be a string \(got a list\)/],
    ['a tag value of 300 characters', { tags: { owner: 'x'.repeat(300) } }, 'tags.owner', /300 characters; Azure allows at most 256/],
    ['a tag key with a character Azure refuses', { tags: { 'bad<key>': 'x' } }, 'tags.bad<key>', /'<'.*Azure refuses in tag names/],
    ['a tag key of 200 characters', { tags: { ['k'.repeat(200)]: 'x' } }, `tags.${'k'.repeat(200)}`, /at most 128/],
    ['too many tags', { tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'x'])) }, 'tags', /50 tags.*at most 49/],
    ['a tag that takes over the deployment tag', { tags: { 'qlik-azure:deployment': 'other' } }, 'tags.qlik-azure:deployment', /destroy/],
    ['a tag value that is a number', { tags: { cost: 42 } }, 'tags.cost', /must be a string \(got number\)/],
    // Issue 11: the network and naming rules the steps need, checked before the first ARM write.
    ['a subnet outside the address space', { network: { allowedSourceCidrs: ['203.0.113.0/24'], subnetPrefix: '10.1.0.0/24' } }, 'network.subnetPrefix', /not inside network.vnetAddressSpace 10\.0\.0\.0\/16/],
    ['a subnet larger than the address space', { network: { allowedSourceCidrs: ['203.0.113.0/24'], vnetAddressSpace: '10.0.0.0/24', subnetPrefix: '10.0.0.0/16' } }, 'network.subnetPrefix', /not inside/],
    ['a subnet prefix with host bits', { network: { allowedSourceCidrs: ['203.0.113.0/24'], subnetPrefix: '10.0.0.7/24' } }, 'network.subnetPrefix', /did you mean '10\.0\.0\.0\/24'\?/],
    ['a subnet too small for Azure', { network: { allowedSourceCidrs: ['203.0.113.0/24'], subnetPrefix: '10.0.0.0/30' } }, 'network.subnetPrefix', /\/29/],
    ['a virtual network name of 70 characters', { network: { allowedSourceCidrs: ['203.0.113.0/24'], vnetName: 'v'.repeat(70) } }, 'network.vnetName', /2-64/],
    ['a VM name of 70 characters', { vm: { name: 'v'.repeat(70) } }, 'vm.name', /1-64/],
    ['a VM name with an underscore', { vm: { name: 'qlik_vm' } }, 'vm.name', /letters, digits and hyphens/],
    ['a computer name with a space', { vm: { computerName: 'qlik one' } }, 'vm.computerName', /characters Windows refuses/],
    ['an NSG name ending in a hyphen', { network: { allowedSourceCidrs: ['203.0.113.0/24'], nsgName: 'qlik-nsg-' } }, 'network.nsgName', /ending with a letter, digit or '_'/],
    ['a public IP name with a space', { network: { allowedSourceCidrs: ['203.0.113.0/24'], publicIpName: 'qlik ip' } }, 'network.publicIpName', /valid Azure resource name/],
    ['a resource group name with a slash', { resourceGroup: 'rg/qlik' }, 'resourceGroup', /characters Azure refuses/],
    ['a storage account name with a hyphen', { storage: { accountName: 'qlik-store' } }, 'storage.accountName', /no hyphens/],
    ['a DNS label ending in a hyphen', { network: { allowedSourceCidrs: ['203.0.113.0/24'], dnsLabel: 'qlik-' } }, 'network.dnsLabel', /DNS label/],
    ['an admin user name ending in a period', { vm: { adminUsername: 'qlik.' } }, 'vm.adminUsername', /period/],
    ['a service account named like a built-in account', { qlik: { serviceAccount: 'Guest' } }, 'qlik.serviceAccount', /built-in/],
    ['local user names longer than Windows allows', { qlik: { localUsers: { prefix: 'QlikAnalyticsUser', count: 120 } } }, 'qlik.localUsers.count', /.+/],
    ['local user names of 21 characters', { qlik: { localUsers: { prefix: 'QlikAnalyticsUsers12', count: 2 } } }, 'qlik.localUsers.prefix', /'QlikAnalyticsUsers122', which has 21 characters/],
    ['a host white-list entry that is not a host name', { qlik: { hostWhiteList: ['bad host!'] } }, 'qlik.hostWhiteList.0', /not a host name/],
    ['two host names joined by a comma', { qlik: { hostWhiteList: ['a.example.com,b.example.com'] } }, 'qlik.hostWhiteList.0', /one host name per entry/],
  ];

  it.each(cases)('refuses %s, naming the field and the fix', (_name, change, field, message) => {
    const document = { ...base, ...change, network: { ...base.network, ...(change.network as object | undefined) } };
    const found = problems(document);
    const issue = found.find((p) => p.field === field);
    expect(issue, `expected a problem on ${field}, got ${JSON.stringify(found)}`).toBeDefined();
    expect(issue!.message).toMatch(message);
  });

  it('lists every missing required field at once', () => {
    const found = problems({});
    expect(found.map((p) => p.field)).toEqual(expect.arrayContaining(['deployment', 'location', 'network.allowedSourceCidrs']));
    expect(found.every((p) => /Fix:/.test(p.message))).toBe(true);
  });

  it('produces a JSON Schema from the same source, with descriptions and defaults', () => {
    const schema = configJsonSchema() as { properties: Record<string, { properties?: Record<string, { default?: unknown; description?: string }> }>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['deployment', 'location']));
    expect(schema.properties.vm!.properties!.size!.default).toBe('Standard_D4s_v5');
    expect(schema.properties.network!.properties!.allowAnySource!.description).toMatch(/any source/);
  });
});

describe('secrets', () => {
  const config = validateConfig(base);

  it('requires the passwords and the license key the config implies', () => {
    expect(requiredSecrets(config)).toEqual(['vmAdminPassword', 'serviceAccountPassword', 'qlikAdminPassword', 'repositoryDbPassword', 'localUserPassword', 'licenseKey']);
    const serial = validateConfig({ ...base, qlik: { license: { method: 'serial', owner: 'A', organization: 'B' } } });
    expect(requiredSecrets(serial)).toEqual(expect.arrayContaining(['licenseSerial', 'licenseControl']));
    // A PFX may have no password: pfxPassword is used when given, never demanded.
    const withCertificate = validateConfig({ ...base, qlik: { ...(base.qlik as object), certificate: { pfxFile: './qlik-proxy.pfx' } } });
    expect(requiredSecrets(withCertificate)).toEqual(requiredSecrets(config));
  });

  it('names every missing or weak secret without echoing any value', () => {
    const weak = 'short1A!';
    try {
      validateSecrets({ vmAdminPassword: weak, repositoryDbPassword: 'has.dots;and:colons-123' }, requiredSecrets(config), 'secrets.yaml');
      expect.unreachable();
    } catch (error) {
      const text = (error as Error).message;
      expect(text).toContain('secrets.vmAdminPassword: the password has 8 characters');
      expect(text).toContain("secrets.repositoryDbPassword: the password contains '.' ';' ':'");
      expect(text).toContain('secrets.licenseKey: is missing');
      expect(text).toContain('secrets.serviceAccountPassword: is missing');
      expect(text).not.toContain(weak);
      expect(text).not.toContain('has.dots');
    }
  });

  it('refuses quotes in the service account password, which goes on the installer\'s command line', () => {
    expect(() => validateSecrets({ serviceAccountPassword: 'Quote"In-The-Middle-42' }, [], 'secrets.yaml')).toThrow(/serviceAccountPassword: the password contains '"'/);
  });

  it('refuses control characters in passwords and license values, before anything is created (issue 12 item 13)', () => {
    for (const [name, value] of [['vmAdminPassword', 'Tab\there-Password-9'], ['qlikAdminPassword', 'Line\nBreak-Password-9'], ['repositoryDbPassword', 'Escape\u001bPassword-9'], ['licenseKey', 'signed-key\u0000tail']] as const) {
      const text = (() => {
        try {
          validateSecrets({ [name]: value }, [], 'secrets.yaml');
        } catch (error) {
          return (error as Error).message;
        }
        return '';
      })();
      expect(text, name).toMatch(new RegExp(`secrets\\.${name}: contains a control character`));
      expect(text).not.toContain(value);
    }
    // The license enabler file is text of several lines: line breaks are what it is made of.
    expect(validateSecrets({ licenseLef: 'line one\nline two\n' }, [], 'secrets.yaml')).toHaveProperty('licenseLef');
  });

  it('refuses a secrets file other users can read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-secrets-'));
    const file = join(dir, 'secrets.yaml');
    await writeFile(file, 'vmAdminPassword: x\n');
    await chmod(file, 0o644);
    await expect(readSecretsFile(file)).rejects.toThrow(/chmod 600/);
    await chmod(file, 0o600);
    await expect(readSecretsFile(file)).resolves.toEqual({ vmAdminPassword: 'x' });
  });

  it('generates passwords that satisfy both Azure\'s and Qlik\'s rules', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(checkWindowsPassword(password)).toBeUndefined();
      expect(checkRepositoryPassword(password)).toBeUndefined();
    }
  });
});

describe('config files', () => {
  it('refuses a config file larger than any real one before parsing it (a 50 MB tag took 9 s and 1.7 GB)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qa-config-'));
    const file = join(dir, 'huge.yaml');
    await writeFile(file, `deployment: qlik-demo\nlocation: westeurope\ntags:\n  big: "${'x'.repeat(2 * 1024 * 1024)}"\n`);
    await expect(readConfigFile(file)).rejects.toThrow(/--config: .*huge\.yaml is 2\.0 MiB; a qlik-azure config is at most 1 MiB/);
  });
});

describe('secrets files keep what was written', () => {
  it('reads an unquoted serial number and a control number with a leading zero as written', () => {
    const raw = parseSecretsDocument('licenseSerial: 9999000000001235\nlicenseControl: 01234\n', 'secrets.yaml');
    expect(raw).toEqual({ licenseSerial: '9999000000001235', licenseControl: '01234' });
  });
});
