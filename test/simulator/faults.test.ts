import https from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_PROFILES, startSimulator } from '../../src/simulator/index.js';
import { resolveFaults } from '../../src/simulator/faults.js';
import { FAST_POLL, createNic, startSimulatedAzure, windowsVmBody, type SimulatedAzure } from '../support/simulator.js';

let azure: SimulatedAzure;
const rg = 'rg-faults';
const loc = 'westeurope';
beforeAll(async () => {
  azure = await startSimulatedAzure({ seed: 7 });
  await azure.resources.resourceGroups.createOrUpdate(rg, { location: loc });
});
afterAll(() => azure.close());
afterEach(() => azure.sim.clearFaults());

const statusesFor = (method: string, suffix: string) =>
  azure.sim
    .requestLog()
    .filter((r) => r.method === method && r.path.toLowerCase().endsWith(suffix.toLowerCase()))
    .map((r) => r.status);

describe('request-level faults are retried by the SDK', () => {
  it('429 with Retry-After', async () => {
    azure.sim.injectFault({ kind: 'throttle', method: 'GET', path: '/resourceGroups/rg-faults$', times: 2 });
    await azure.resources.resourceGroups.get(rg);
    expect(statusesFor('GET', '/resourceGroups/rg-faults')).toEqual([429, 429, 200]);
  });

  it('a 429 says how long to wait, in Retry-After and in its message, on the simulated clock', async () => {
    // Half speed: the rule's 4 s become 2 s, as every other duration of the simulator does.
    const sim = await startSimulator({ latencyScale: 0.5, faults: [{ kind: 'throttle', method: 'GET', retryAfterSeconds: 4, times: 1 }] });
    try {
      const answer = await new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) =>
        https
          .get(`${sim.url}/subscriptions?api-version=2022-12-01`, { agent: sim.httpsAgent(), headers: { authorization: 'Bearer fake' } }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }));
          })
          .on('error', reject),
      );
      expect(answer.status).toBe(429);
      expect(answer.retryAfter).toBe('2');
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled', message: expect.stringContaining("try again after '2' seconds") } });
    } finally {
      await sim.close();
    }
  });

  it('500 and 503', async () => {
    azure.sim.injectFault({ kind: 'serverError', status: 500, method: 'PUT', path: '/networkSecurityGroups/nsg-5xx$' });
    azure.sim.injectFault({ kind: 'serverError', status: 503, method: 'GET', path: '/operations/' });
    const nsg = await azure.network.networkSecurityGroups.beginCreateOrUpdateAndWait(rg, 'nsg-5xx', { location: loc }, FAST_POLL);
    expect(nsg.provisioningState).toBe('Succeeded');
    expect(statusesFor('PUT', '/nsg-5xx')).toEqual([500, 201]);
    expect(azure.sim.requestLog().filter((r) => r.path.includes('/operations/')).map((r) => r.status)).toContain(503);
  });

  it('connection reset', async () => {
    azure.sim.injectFault({ kind: 'connectionReset', method: 'GET', path: '/resourceGroups/rg-faults$' });
    expect((await azure.resources.resourceGroups.get(rg)).name).toBe(rg);
    expect(statusesFor('GET', '/resourceGroups/rg-faults').slice(-2)).toEqual([0, 200]);
  });

  it('response lost after the write happened: the retried PUT answers 200', async () => {
    azure.sim.injectFault({ kind: 'responseLost', method: 'PUT', path: '/resourcegroups/rg-lost$' });
    const group = await azure.resources.resourceGroups.createOrUpdate('rg-lost', { location: loc });
    expect(group.name).toBe('rg-lost');
    expect(statusesFor('PUT', '/resourcegroups/rg-lost')).toEqual([0, 200]);
  });

  it('404 right after create (eventual consistency), then found', async () => {
    await azure.network.networkSecurityGroups.beginCreateOrUpdateAndWait(rg, 'nsg-ec', { location: loc }, FAST_POLL);
    azure.sim.injectFault({ kind: 'notFound', method: 'GET', path: '/networkSecurityGroups/nsg-ec$' });
    await expect(azure.network.networkSecurityGroups.get(rg, 'nsg-ec')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect((await azure.network.networkSecurityGroups.get(rg, 'nsg-ec')).name).toBe('nsg-ec');
  });
});

describe('LRO outcome faults', () => {
  it('a Failed LRO surfaces as an error with the code and message', async () => {
    azure.sim.injectFault({ kind: 'failLro', method: 'PUT', path: '/virtualNetworks/vnet-fail$', code: 'InternalServerError', message: 'An error occurred.' });
    await expect(
      azure.network.virtualNetworks.beginCreateOrUpdateAndWait(rg, 'vnet-fail', { location: loc, addressSpace: { addressPrefixes: ['10.1.0.0/16'] } }, FAST_POLL),
    ).rejects.toThrow(/InternalServerError.*An error occurred/);
    expect((await azure.network.virtualNetworks.get(rg, 'vnet-fail')).provisioningState).toBe('Failed');
  });

  it('OSProvisioningTimedOut on a VM that is in fact fine afterwards', async () => {
    const nicId = await createNic(azure, rg, 'nic');
    azure.sim.injectFault({ kind: 'osProvisioningTimeout', method: 'PUT', path: '/virtualMachines/vm-slow$' });
    await expect(azure.compute.virtualMachines.createOrUpdate(rg, 'vm-slow', windowsVmBody(nicId) as never, FAST_POLL)).rejects.toThrow(
      /OSProvisioningTimedOut/,
    );
    const vm = await azure.compute.virtualMachines.get(rg, 'vm-slow', { expand: 'instanceView' });
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.instanceView?.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
  });
});

describe('rule matching', () => {
  it('fires from the nth match for `times` times', async () => {
    azure.sim.injectFault({ kind: 'serverError', status: 500, method: 'GET', path: '/resourcegroups$', nth: 2, times: 1 });
    const list = async () => {
      for await (const _ of azure.resources.resourceGroups.list()) void _;
    };
    await list();
    await list();
    await list();
    expect(statusesFor('GET', '/resourcegroups')).toEqual([200, 500, 200, 200]);
  });

  it('probability draws from the seed: same seed, same faults', async () => {
    const pattern = async (seed: number) => {
      const sim = await startSimulator({ seed, faults: [{ kind: 'serverError', status: 500, probability: 0.5 }] });
      const agent = sim.httpsAgent();
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        statuses.push(
          await new Promise<number>((resolve, reject) =>
            https
              .get(`${sim.url}/subscriptions?api-version=2022-12-01`, { agent, headers: { authorization: 'Bearer fake' } }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
              })
              .on('error', reject),
          ),
        );
      }
      await sim.close();
      return statuses;
    };
    const first = await pattern(42);
    expect(await pattern(42)).toEqual(first);
    expect(first).toContain(500);
    expect(first).toContain(200);
  });

  it('named profiles, selectable through QLIK_AZURE_SIM_FAULTS', () => {
    expect(resolveFaults('flaky')).toBe(FAULT_PROFILES.flaky);
    const previous = process.env.QLIK_AZURE_SIM_FAULTS;
    process.env.QLIK_AZURE_SIM_FAULTS = 'throttled';
    try {
      expect(resolveFaults(undefined)).toBe(FAULT_PROFILES.throttled);
    } finally {
      if (previous === undefined) delete process.env.QLIK_AZURE_SIM_FAULTS;
      else process.env.QLIK_AZURE_SIM_FAULTS = previous;
    }
    expect(() => resolveFaults('nonsense')).toThrow(/'nonsense' is not a fault profile/);
  });
});
