/** The pipeline pieces every Azure step rides on: poll pacing, retry notices and the shared token. */
import { createHttpHeaders, createPipelineRequest, type PipelineResponse, type SendRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { pollPacingPolicy, retryNoticePolicy, sharedTokenCredential, withAzureNotices } from '../../src/azure/arm-helpers.js';

function answer(status: number, headers: Record<string, string> = {}): SendRequest {
  return async (request) => ({ request, status, headers: createHttpHeaders(headers) }) as PipelineResponse;
}

const get = (url = 'https://management.azure.com/subscriptions/s/providers/Microsoft.Compute/locations/x/operations/1') => createPipelineRequest({ url, method: 'GET' });

describe('pollPacingPolicy', () => {
  const policy = pollPacingPolicy(2000);

  it('lets core-lro fall back to the configured interval when a status monitor asks for a longer pause', async () => {
    const response = await policy.sendRequest(get(), answer(200, { 'retry-after': '30' }));
    expect(response.headers.get('retry-after')).toBe('0');
  });

  it('keeps a shorter Retry-After, and never touches throttling', async () => {
    expect((await policy.sendRequest(get(), answer(202, { 'retry-after': '1' }))).headers.get('retry-after')).toBe('1');
    expect((await policy.sendRequest(get(), answer(429, { 'retry-after': '30' }))).headers.get('retry-after')).toBe('30');
    expect((await policy.sendRequest(get(), answer(503, { 'retry-after': '30' }))).headers.get('retry-after')).toBe('30');
  });
});

describe('retryNoticePolicy', () => {
  it('tells the step whose call is retried, once per retried attempt, and stops when the retries run out', async () => {
    const policy = retryNoticePolicy();
    const notes: string[] = [];
    const request = get();
    await withAzureNotices((note) => notes.push(note), async () => {
      for (let attempt = 0; attempt < 5; attempt += 1) await policy.sendRequest(request, answer(429, { 'retry-after': '7' }));
    });
    expect(notes).toEqual(Array(3).fill('Azure throttled (429); retrying after 7s'));
  });

  it('reports reset connections and 5xx, and stays quiet outside a step', async () => {
    const policy = retryNoticePolicy();
    const notes: string[] = [];
    const reset: SendRequest = async () => { throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }); };
    await withAzureNotices((note) => notes.push(note), async () => {
      await expect(policy.sendRequest(get(), reset)).rejects.toThrow('socket hang up');
      await policy.sendRequest(get(), answer(502));
      await policy.sendRequest(get(), answer(501));
    });
    await policy.sendRequest(get(), answer(500));
    expect(notes).toEqual(['connection to Azure failed (ECONNRESET); retrying', 'Azure answered 502; retrying']);
  });
});

describe('sharedTokenCredential', () => {
  it('asks the real credential once for all clients, and again when the token nears expiry', async () => {
    let calls = 0;
    const shared = sharedTokenCredential({ getToken: async () => ({ token: `t${++calls}`, expiresOnTimestamp: Date.now() + 3_600_000 }) });
    const scope = 'https://management.azure.com/.default';
    const tokens = await Promise.all([shared.getToken(scope), shared.getToken([scope]), shared.getToken(scope)]);
    expect(tokens.map((t) => t?.token)).toEqual(['t1', 't1', 't1']);
    expect((await shared.getToken(scope))?.token).toBe('t1');

    const shortLived = sharedTokenCredential({ getToken: async () => ({ token: `s${++calls}`, expiresOnTimestamp: Date.now() + 60_000 }) });
    const first = await shortLived.getToken(scope);
    expect((await shortLived.getToken(scope))?.token).not.toBe(first?.token);
  });

  it('passes a claims challenge straight to the credential', async () => {
    let calls = 0;
    const shared = sharedTokenCredential({ getToken: async () => ({ token: `t${++calls}`, expiresOnTimestamp: Date.now() + 3_600_000 }) });
    await shared.getToken('s');
    await shared.getToken('s', { claims: 'x' });
    expect(calls).toBe(2);
  });
});
