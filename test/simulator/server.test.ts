import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { redactSecrets } from '../../src/simulator/redact.js';
import { FAST_POLL, startSimulatedAzure } from '../support/simulator.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());

function request(method: string, path: string, body?: string, headers: Record<string, string> = { authorization: 'Bearer fake' }) {
  return new Promise<{ status: number; json: any }>((resolve, reject) => {
    const req = https.request(`${sim.url}${path}`, { method, agent: sim.httpsAgent(), headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('server', () => {
  it('starts well under a second (certificate generation included)', async () => {
    const samples: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      const other = await startSimulator();
      samples.push(performance.now() - started);
      await other.close();
    }
    const median = samples.sort((a, b) => a - b)[2] ?? Infinity;
    console.log(`simulator start-up: median ${median.toFixed(1)} ms, samples ${samples.map((s) => s.toFixed(1)).join(', ')} ms`);
    expect(median).toBeLessThan(1000);
  });

  it('binds to 127.0.0.1 with a certificate for 127.0.0.1', () => {
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.caCertPem).toContain('BEGIN CERTIFICATE');
  });

  it('answers unknown routes with a clear 404, never a crash', async () => {
    const res = await request('GET', '/subscriptions/s/providers/Microsoft.Nothing/things/x?api-version=1');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('SimulatorRouteNotFound');
  });

  it('requires a bearer token and an api-version like ARM', async () => {
    expect((await request('GET', '/subscriptions/s/resourcegroups?api-version=2025-04-01', undefined, {})).json.error.code).toBe('AuthenticationFailed');
    expect((await request('GET', '/subscriptions/s/resourcegroups')).json.error.code).toBe('MissingApiVersionParameter');
  });

  it('survives malformed JSON bodies', async () => {
    const res = await request('PUT', '/subscriptions/s/resourcegroups/rg?api-version=2025-04-01', '{not json');
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('InvalidRequestContent');
  });

  it('lists subscriptions and one subscription', async () => {
    const list = await request('GET', '/subscriptions?api-version=2022-12-01');
    expect(list.json.value[0].subscriptionId).toBeTruthy();
    const one = await request('GET', `/subscriptions/${list.json.value[0].subscriptionId}?api-version=2022-12-01`);
    expect(one.json.state).toBe('Enabled');
  });
});

describe('request log', () => {
  it('records method, path, api-version, status and a redacted body', async () => {
    await request('PUT', '/subscriptions/s/resourcegroups/logged?api-version=2025-04-01', JSON.stringify({ location: 'westeurope' }));
    const entry = sim.requestLog().find((r) => r.path.endsWith('/logged'));
    expect(entry).toMatchObject({ method: 'PUT', apiVersion: '2025-04-01', status: 201, body: { location: 'westeurope' } });
    expect(typeof entry?.at).toBe('number');
  });

  it('redacts passwords, keys, protected parameters and runAs passwords', () => {
    const input = {
      properties: {
        osProfile: { adminUsername: 'qlikadmin', adminPassword: 'p' },
        protectedParameters: [{ name: 'ServicePassword', value: 'p' }],
        parameters: [{ name: 'Visible', value: 'v' }],
        runAsPassword: 'p',
        licenseKey: 'p',
        keys: 'p',
      },
    };
    const { properties } = redactSecrets(input) as typeof input;
    expect(properties.osProfile).toEqual({ adminUsername: 'qlikadmin', adminPassword: '[REDACTED]' });
    expect(properties.protectedParameters).toEqual([{ name: 'ServicePassword', value: '[REDACTED]' }]);
    expect(properties.parameters).toEqual(input.properties.parameters);
    expect([properties.runAsPassword, properties.licenseKey, properties.keys]).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]']);
  });
});

describe('latency model', () => {
  it('times LROs server-side: polls before start + scaled latency answer InProgress', async () => {
    const scale = 0.01; // VNet ~21 s real -> ~210 ms
    const azure = await startSimulatedAzure({ latencyScale: scale });
    try {
      await azure.resources.resourceGroups.createOrUpdate('rg-lat', { location: 'westeurope' });
      const started = Date.now();
      const vnet = await azure.network.virtualNetworks.beginCreateOrUpdateAndWait(
        'rg-lat',
        'vnet',
        { location: 'westeurope', addressSpace: { addressPrefixes: ['10.0.0.0/16'] } },
        { updateIntervalInMs: 20 },
      );
      const elapsed = Date.now() - started;
      expect(vnet.provisioningState).toBe('Succeeded');
      expect(elapsed).toBeGreaterThanOrEqual(21_000 * scale - 5);
      expect(elapsed).toBeLessThan(21_000 * scale + 1000);
      const polls = azure.sim.requestLog().filter((r) => r.path.includes('/operations/'));
      expect(polls.length).toBeGreaterThan(2);
      expect(polls.at(-1)?.status).toBe(200);
    } finally {
      await azure.close();
    }
  });

  it('scales Retry-After (0 at small scales, so the client interval applies)', async () => {
    const azure = await startSimulatedAzure({ latencyScale: 0 });
    try {
      let retryAfter: string | null = 'unset';
      await azure.resources.resourceGroups.createOrUpdate('rg-ra', { location: 'westeurope' });
      await azure.network.networkSecurityGroups.beginCreateOrUpdateAndWait('rg-ra', 'nsg', { location: 'westeurope' }, {
        ...FAST_POLL,
        onResponse: (raw) => {
          retryAfter = raw.headers.get('retry-after') ?? null;
        },
      } as never);
      expect(retryAfter === null || retryAfter === '0').toBe(true);
    } finally {
      await azure.close();
    }
  });
});
