/**
 * Before the first write the subscription is made ready, or the run stops saying what to do: providers
 * registered (or the exact `az provider register` commands when the identity may not), and the
 * api-versions the SDK clients send offered by the cloud. Real SDK clients against the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SDK_API_VERSIONS } from '../../src/azure/api-versions.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { addressedType } from '../../src/simulator/resources/providers.js';
import { prepareSubscription, SubscriptionNotReadyError } from '../../src/steps/subscription-readiness.js';
import { AZURE_ENTRIES, AZURE_REGISTRY, BASE_CONFIG, createWorkspace, inProcess, PROVIDER_REGISTRATION, simulatorServices, writes, type Workspace } from './support.js';

let sim: Simulator | undefined;
let ws: Workspace | undefined;
afterEach(async () => {
  await sim?.close();
  await ws?.close();
  sim = undefined;
  ws = undefined;
});

async function simulator(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await startSimulator(options);
  return sim;
}

const AZURE_STEPS = AZURE_ENTRIES.map((e) => e.number);

async function prepare(s: Simulator, overrides: { steps?: number[]; location?: string; registerProviders?: boolean } = {}) {
  const progress: string[] = [];
  const outcome = await prepareSubscription({
    azure: simulatorServices(s),
    steps: overrides.steps ?? AZURE_STEPS,
    location: overrides.location ?? 'westeurope',
    registerProviders: overrides.registerProviders ?? true,
    progress: (message) => progress.push(message),
  }).then(() => undefined, (error: unknown) => error);
  return { outcome, progress };
}

describe('the api-version table', () => {
  it('is what the installed SDK clients send for each type they write', async () => {
    const s = await simulator({ registeredProviders: 'all' });
    const azure = simulatorServices(s);
    const [resources, network, storage, compute] = await Promise.all([azure.resources(), azure.network(), azure.storage(), azure.compute()]);
    const ignore = () => undefined;
    // Reads of things that do not exist: what matters is the api-version each request carried.
    await resources.resourceGroups.get('rg').catch(ignore);
    await network.networkSecurityGroups.get('rg', 'nsg').catch(ignore);
    await network.virtualNetworks.get('rg', 'vnet').catch(ignore);
    await network.publicIPAddresses.get('rg', 'ip').catch(ignore);
    await network.networkInterfaces.get('rg', 'nic').catch(ignore);
    await storage.storageAccounts.getProperties('rg', 'account').catch(ignore);
    await compute.virtualMachines.get('rg', 'vm').catch(ignore);
    await compute.virtualMachineRunCommands.getByVirtualMachine('rg', 'vm', 'run').catch(ignore);
    const sent = Object.fromEntries(s.requestLog().map((r) => {
      const addressed = addressedType(r.path);
      return [`${addressed?.namespace}/${addressed?.resourceType}`, r.apiVersion];
    }));
    expect(sent).toEqual(SDK_API_VERSIONS);
  });
});

describe('provider registration', () => {
  it('registers only what is missing, reading each namespace once, and waits for Registered', async () => {
    const s = await simulator({ registeredProviders: ['Microsoft.Network'], latencyScale: 0.001 });
    const { outcome, progress } = await prepare(s);
    expect(outcome).toBeUndefined();
    const log = s.requestLog();
    expect(log.filter((r) => r.method === 'POST').map((r) => r.path.split('/')[4])).toEqual(['Microsoft.Storage', 'Microsoft.Compute']);
    const firstReads = log.filter((r) => r.method === 'GET').slice(0, 4).map((r) => r.path.split('/')[4]).sort();
    expect(firstReads).toEqual(['Microsoft.Compute', 'Microsoft.Network', 'Microsoft.Resources', 'Microsoft.Storage']);
    expect(progress[0]).toBe('Registering Microsoft.Storage, Microsoft.Compute with subscription 00000000-0000-4000-8000-00000000a2e5 (a new subscription has them unregistered; Azure takes a minute or more)');
    expect(progress[1]).toMatch(/^Registered Microsoft\.Storage, Microsoft\.Compute \(\d+s\)$/);
    const services = await simulatorServices(s).resources();
    expect((await services.providers.get('Microsoft.Compute')).registrationState).toBe('Registered');
  });

  it('needs only Microsoft.Compute for the VM steps, and nothing when all is registered', async () => {
    const s = await simulator();
    await prepare(s, { steps: [34, 38, 40, 47] });
    expect(s.requestLog().filter((r) => r.method === 'POST').map((r) => r.path.split('/')[4])).toEqual(['Microsoft.Compute']);
    const before = s.requestLog().length;
    const { progress } = await prepare(s, { steps: [34] });
    expect(progress).toEqual([]);
    expect(s.requestLog().slice(before).map((r) => r.method)).toEqual(['GET']);
  });

  it('an identity that may not register is told the exact az commands', async () => {
    const s = await simulator({ mayRegisterProviders: false });
    const { outcome } = await prepare(s);
    expect(outcome).toBeInstanceOf(SubscriptionNotReadyError);
    const message = (outcome as Error).message;
    expect(message).toContain('AuthorizationFailed');
    for (const namespace of ['Microsoft.Network', 'Microsoft.Storage', 'Microsoft.Compute']) {
      expect(message).toContain(`az provider register --namespace ${namespace} --subscription 00000000-0000-4000-8000-00000000a2e5 --wait`);
    }
    expect(writes(s.requestLog())).toEqual([]);
  });

  it('with registering turned off, a missing registration stops the run naming the commands; nothing is registered', async () => {
    const s = await simulator({ registeredProviders: ['Microsoft.Network', 'Microsoft.Storage'] });
    const { outcome } = await prepare(s, { registerProviders: false });
    expect((outcome as Error).message).toMatch(/^Microsoft\.Compute is not registered with subscription \S+, and registering was turned off \(--no-register-providers or azure\.registerProviders: false\)/);
    expect((outcome as Error).message).toContain('az provider register --namespace Microsoft.Compute --subscription');
    expect(s.requestLog().filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('api-versions offered by the cloud', () => {
  it('stops in a cloud that lags behind the SDK, naming what it offers, before any write', async () => {
    const s = await simulator({ cloud: 'AzureUSGovernment', registeredProviders: 'all' });
    const { outcome } = await prepare(s, { location: 'usgovvirginia' });
    const message = (outcome as Error).message;
    expect(message).toContain('This cloud does not offer what qlik-azure would create:');
    expect(message).toContain('Microsoft.Storage/storageAccounts: qlik-azure sends api-version 2026-09-01; this cloud offers 2025-06-01, 2025-01-01');
    expect(message).toContain('Microsoft.Compute/virtualMachines: qlik-azure sends api-version 2026-04-01; this cloud offers 2025-04-01');
    expect(s.requestLog().filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('names a region where the types are not offered', async () => {
    const s = await simulator({ registeredProviders: 'all' });
    const { outcome } = await prepare(s, { steps: [29], location: 'usgovvirginia' });
    expect((outcome as Error).message).toContain('Microsoft.Compute/virtualMachines is not offered in usgovvirginia; it is in eastus, eastus2');
  });
});

describe('through the CLI', () => {
  it('--no-register-providers on a new subscription exits 1 with the az commands and writes nothing', async () => {
    ws = await createWorkspace();
    const result = await ws.apply('apply', ['--no-register-providers']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('az provider register --namespace Microsoft.Compute');
    expect(writes(ws.sim.requestLog())).toEqual([]);
    expect(ws.sim.requestLog().filter((r) => PROVIDER_REGISTRATION.test(r.path))).toEqual([]);
  });
});

describe('messages name the public DNS name in the chosen cloud', () => {
  it('steps 26 and 30 plan <label>.<region>.cloudapp.chinacloudapi.cn in Azure China', async () => {
    // The simulated cloud is public Azure (China's api-versions would refuse the SDK's); the connection says China.
    const s = await simulator({ registeredProviders: 'all' });
    const config = { ...BASE_CONFIG, location: 'chinaeast2' };
    const inChina = (step: number) => {
      const ctx = inProcess(s, config).context(step);
      return { ...ctx, azure: { ...ctx.azure, connection: { ...ctx.azure.connection, cloud: 'AzureChinaCloud' } } };
    };
    expect((await AZURE_REGISTRY.get(26)!.plan(inChina(26))).summary).toBe('qlik-sim-ip: Standard, static, qlik-sim.chinaeast2.cloudapp.chinacloudapi.cn');
    expect((await AZURE_REGISTRY.get(30)!.plan(inChina(30))).summary).toBe('qlik-sim.chinaeast2.cloudapp.chinacloudapi.cn on a static address');
  });
});

describe('a throttled or failing provider read', () => {
  const throttledProviderReads = (times: number) => ({ faults: [{ kind: 'throttle' as const, method: 'GET', path: '/providers/Microsoft\\.Network$', times }] });

  it('is tried again, and the run goes on when Azure answers', async () => {
    const s = await simulator({ registeredProviders: 'all', ...throttledProviderReads(2) });
    const { outcome } = await prepare(s);
    expect(outcome).toBeUndefined();
    const reads = s.requestLog().filter((r) => r.method === 'GET' && /\/providers\/Microsoft\.Network$/.test(r.path)).map((r) => r.status);
    expect(reads).toEqual([429, 429, 200]);
  });

  it('still throttled after a few tries, stops before anything is written, saying it was passing and to run again', async () => {
    const s = await simulator({ registeredProviders: 'all', ...throttledProviderReads(1000) });
    const { outcome } = await prepare(s);
    expect(outcome).toBeInstanceOf(SubscriptionNotReadyError);
    expect((outcome as Error).message).toMatch(/kept answering the read of provider Microsoft\.Network with a passing error .* after 5 attempts; nothing was written\. Fix: wait a minute, then run the command again/);
    expect(writes(s.requestLog())).toEqual([]);
  });
});
