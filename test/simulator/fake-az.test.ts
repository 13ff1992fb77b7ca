import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { AzureCliCredential } from '@azure/identity';
import { ResourceManagementClient } from '@azure/arm-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_AZ_TOKEN, writeFakeAz } from '../../src/simulator/fake-az.js';
import { SIMULATED_SUBSCRIPTION_ID, startSimulator } from '../../src/simulator/index.js';

const run = promisify(execFile);
let dir: string;
let originalPath: string | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fake-az-'));
  await writeFakeAz(dir, {
    subscriptions: [
      { id: SIMULATED_SUBSCRIPTION_ID, name: 'Simulated', tenantId: '11111111-1111-4111-8111-111111111111', isDefault: true },
      { id: '22222222-2222-4222-8222-222222222222', name: 'Other', tenantId: '11111111-1111-4111-8111-111111111111', isDefault: false },
    ],
  });
  originalPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${originalPath ?? ''}`;
});
afterAll(async () => {
  process.env.PATH = originalPath;
  await rm(dir, { recursive: true, force: true });
});

describe('fake az', () => {
  it('satisfies the real AzureCliCredential', async () => {
    const token = await new AzureCliCredential().getToken('https://management.azure.com/.default');
    expect(token.token).toBe(FAKE_AZ_TOKEN);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 30 * 60_000);
    const scoped = await new AzureCliCredential({ tenantId: '11111111-1111-4111-8111-111111111111', subscription: 'Other' }).getToken(
      'https://management.azure.com/.default',
    );
    expect(scoped.token).toBe(FAKE_AZ_TOKEN);
  });

  it('drives a real SDK client against the simulator', async () => {
    const sim = await startSimulator();
    try {
      const client = new ResourceManagementClient(new AzureCliCredential(), SIMULATED_SUBSCRIPTION_ID, { endpoint: sim.url, agent: sim.httpsAgent() });
      const rg = await client.resourceGroups.createOrUpdate('rg-cli', { location: 'westeurope' });
      expect(rg.name).toBe('rg-cli');
    } finally {
      await sim.close();
    }
  });

  it('answers az account list / show in JSON', async () => {
    const list = JSON.parse((await run('az', ['account', 'list', '-o', 'json'])).stdout) as { id: string; isDefault: boolean }[];
    expect(list.map((s) => s.id)).toEqual([SIMULATED_SUBSCRIPTION_ID, '22222222-2222-4222-8222-222222222222']);
    const show = JSON.parse((await run('az', ['account', 'show', '-o', 'json'])).stdout) as { id: string };
    expect(show.id).toBe(SIMULATED_SUBSCRIPTION_ID);
    const other = JSON.parse((await run('az', ['account', 'show', '--subscription', 'Other', '-o', 'json'])).stdout) as { id: string };
    expect(other.id).toBe('22222222-2222-4222-8222-222222222222');
  });

  it('refuses anything else, and contains no network code', async () => {
    await expect(run('az', ['vm', 'list'])).rejects.toMatchObject({ code: 2 });
    const text = await readFile(join(dir, 'az'), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node')).toBe(true);
    expect(text).not.toMatch(/require\(|import |https?:\/\/|fetch\(/);
  });
});
