// Replays real ARM sessions (test/fixtures/azure-recordings, with their provenance) against the simulator
// and checks that it answers with the same status codes, the same kinds of LRO headers and error codes,
// and that polling its own operation URLs ends the way the recording did (test/support/replay.ts).

import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { header, pollToEnd, readTestProxyRecording, replay as replayAgainst, send as sendTo, type RecordedEntry } from '../support/replay.js';

const RECORDINGS = fileURLToPath(new URL('../fixtures/azure-recordings', import.meta.url));

let sim: Simulator;
beforeAll(async () => {
  // The recorded subscriptions had their providers registered long before.
  sim = await startSimulator({ registeredProviders: 'all' });
});
afterAll(() => sim.close());

/** Setup requests of the tests below (not compared). */
const send = (method: string, url: string, body?: unknown) => sendTo(sim, method, url, body);

/**
 * Request bodies as they must be sent today: a valid password where the recording
 * sanitised it, and Static allocation for the (default, since retired) Basic public IP
 * of the 2023 recording, which a Standard IP requires.
 */
function adapt(body: unknown): unknown {
  const text = JSON.stringify(body ?? null)
    .replace(/"adminPassword":"Sanitized"/g, '"adminPassword":"Replay-Passw0rd!"')
    .replace(/"publicIPAllocationMethod":"Dynamic"/g, '"publicIPAllocationMethod":"Static"');
  return JSON.parse(text);
}

async function replay(file: string, include?: (e: RecordedEntry) => boolean): Promise<void> {
  const differences = await replayAgainst(sim, file, readTestProxyRecording(`${RECORDINGS}/${file}`), { adapt, ...(include ? { include } : {}) });
  expect(differences).toEqual([]);
}

describe('replaying real ARM recordings', () => {
  it('js-vm-create.json: VNet, subnet, NIC and Windows VM create', async () => {
    await send('PUT', `${sim.url}/subscriptions/azure_subscription_id/resourceGroups/SSS3PT_myjstest?api-version=2025-04-01`, { location: 'eastus2' });
    await replay('js-vm-create.json');
  });

  it('js-resourcegroup-create.json and js-resourcegroup-delete.json', async () => {
    await replay('js-resourcegroup-create.json');
    await replay('js-resourcegroup-delete.json');
  });

  it('net-publicip-crud.json: public IP with a DNS label, lists, delete (202 + Azure-AsyncOperation + Location)', async () => {
    await replay('net-publicip-crud.json');
  });

  it('java-vm-runcommand.json: action Run Command (202 + Azure-AsyncOperation + Location) on a Windows VM', async () => {
    // The recording's VM is Linux (not in the simulator's image catalogue): a Windows VM of
    // the same name is created first, then only the runCommand POST and its polls are replayed.
    const sub = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/javacsmrg04979';
    // An api-version each provider offers (Network has no 2025-04-01).
    const put = (path: string, body: unknown) => send('PUT', `${sim.url}${sub}${path}?api-version=${path.includes('Microsoft.Network') ? '2025-05-01' : '2025-04-01'}`, body);
    await put('', { location: 'westus2' });
    await put('/providers/Microsoft.Network/virtualNetworks/vnet', {
      location: 'westus2',
      properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'default', properties: { addressPrefix: '10.0.0.0/24' } }] },
    });
    const subnet = `${sub}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/default`;
    await put('/providers/Microsoft.Network/networkInterfaces/nic', { location: 'westus2', properties: { ipConfigurations: [{ name: 'c', properties: { subnet: { id: subnet } } }] } });
    const vm = await put('/providers/Microsoft.Compute/virtualMachines/javavm', {
      location: 'westus2',
      properties: {
        hardwareProfile: { vmSize: 'Standard_D2s_v5' },
        storageProfile: { imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: 'latest' } },
        osProfile: { computerName: 'javavm', adminUsername: 'qlikadmin', adminPassword: 'Replay-Passw0rd!' },
        networkProfile: { networkInterfaces: [{ id: `${sub}/providers/Microsoft.Network/networkInterfaces/nic` }] },
      },
    });
    await pollToEnd(sim, vm);
    await replay('java-vm-runcommand.json', (e) => e.RequestUri.includes('/runCommand?'));
  });

  it('js-vm-delete.json: VM delete, then its detached OS disk (202 + Azure-AsyncOperation + Location on DiskOperations), NIC, subnet and VNet', async () => {
    // The recording starts from a world like the one js-vm-create.json leaves behind: made afresh here, in a simulator of its own.
    const own = await startSimulator({ registeredProviders: 'all' });
    const group = '/subscriptions/azure_subscription_id/resourceGroups/SSS3PT_myjstest';
    const put = async (path: string, body: unknown) => {
      const reply = await sendTo(own, 'PUT', `${own.url}${group}${path}?api-version=${path.includes('Microsoft.Network') ? '2025-05-01' : '2025-04-01'}`, body);
      if (reply.status >= 300) throw new Error(`setup ${path}: ${reply.status}`);
      if (header(reply.headers, 'azure-asyncoperation')) await pollToEnd(own, reply);
    };
    await put('', { location: 'eastus2' });
    await put('/providers/Microsoft.Network/virtualNetworks/networknamexx1', {
      location: 'eastus2',
      properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [{ name: 'subnetnamexx1', properties: { addressPrefix: '10.0.0.0/24' } }] },
    });
    const network = `${group}/providers/Microsoft.Network`;
    await put('/providers/Microsoft.Network/networkInterfaces/interfacex1', { location: 'eastus2', properties: { ipConfigurations: [{ name: 'c', properties: { subnet: { id: `${network}/virtualNetworks/networknamexx1/subnets/subnetnamexx1` } } }] } });
    await put('/providers/Microsoft.Compute/virtualMachines/virtualmachinex1', {
      location: 'eastus2',
      properties: {
        hardwareProfile: { vmSize: 'Standard_D2s_v5' },
        storageProfile: { imageReference: { publisher: 'MicrosoftWindowsServer', offer: 'WindowsServer', sku: '2022-datacenter-azure-edition', version: 'latest' }, osDisk: { name: 'myVMosdisk', createOption: 'FromImage' } },
        osProfile: { computerName: 'vmx1', adminUsername: 'qlikadmin', adminPassword: 'Replay-Passw0rd!' },
        networkProfile: { networkInterfaces: [{ id: `${network}/networkInterfaces/interfacex1` }] },
      },
    });
    try {
      expect(await replayAgainst(own, 'js-vm-delete.json', readTestProxyRecording(`${RECORDINGS}/js-vm-delete.json`))).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('java-storageaccount-crud.json: storage account create (202 + Location), get, list, keys, patch, RG delete', async () => {
    await replay('java-storageaccount-crud.json');
  });
});
