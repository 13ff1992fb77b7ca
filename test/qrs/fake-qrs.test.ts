import { request } from 'node:https';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeQrs, type FakeQrs } from '../../src/simulator/qrs/server.js';
import { parseQrsFilter } from '../../src/simulator/qrs/filter.js';

interface Reply {
  status: number;
  body: unknown;
}

const goodKey = 'abcdefghij012345';

/** A call as the step scripts make it: client certificate, xrfkey pair, X-Qlik-User, JSON. */
function call(fake: FakeQrs, method: string, path: string, body?: unknown, tweak: { key?: string; headerKey?: string; user?: string | null; cert?: boolean } = {}): Promise<Reply> {
  const url = new URL(`${fake.url}/qrs/${path}`);
  url.searchParams.set('xrfkey', tweak.key ?? goodKey);
  const headers: Record<string, string> = { 'x-qlik-xrfkey': tweak.headerKey ?? tweak.key ?? goodKey };
  if (tweak.user !== null) headers['x-qlik-user'] = tweak.user ?? 'UserDirectory=INTERNAL; UserId=sa_api';
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (payload) headers['content-type'] = 'application/json';
  const withCert = tweak.cert ?? true;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method,
      headers,
      ca: fake.caCertPem,
      ...(withCert ? { cert: fake.clientCertPem, key: fake.clientKeyPem } : {}),
    }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      response.on('end', () => {
        const json = (response.headers['content-type'] ?? '').startsWith('application/json');
        resolve({ status: response.statusCode ?? 0, body: json ? JSON.parse(text) : text });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

describe('fake QRS', () => {
  let fake: FakeQrs;
  beforeAll(async () => { fake = await startFakeQrs(); });
  afterAll(async () => { await fake.close(); });
  beforeEach(() => fake.control({ reset: true }));

  it('answers /qrs/about and records the call with its xrfkey pair, user and client certificate', async () => {
    const about = await call(fake, 'GET', 'about');
    expect(about).toMatchObject({ status: 200, body: { schemaPath: 'About' } });
    expect(fake.calls()).toEqual([expect.objectContaining({
      method: 'GET', path: '/qrs/about', xrfkeyQuery: goodKey, xrfkeyHeader: goodKey,
      qlikUser: 'UserDirectory=INTERNAL; UserId=sa_api', clientCertificate: 'CN=QlikClient', status: 200,
    })]);
  });

  it.each([
    ['a header key that differs from the query key', { headerKey: 'ABCDEFGHIJ012345' }],
    ['a key that is not 16 characters', { key: 'short' }],
    ['no X-Qlik-User', { user: null }],
    ['no client certificate', { cert: false }],
  ])('refuses %s with 403', async (_label, tweak) => {
    expect((await call(fake, 'GET', 'about', undefined, tweak)).status).toBe(403);
  });

  it('answers the literal null for /qrs/license before licensing, and refuses a second license', async () => {
    expect(await call(fake, 'GET', 'license')).toEqual({ status: 200, body: null });
    const key = 'aaa.bbb.ccc';
    expect((await call(fake, 'POST', 'license', { key })).status).toBe(201);
    expect((await call(fake, 'POST', 'license', { key })).status).toBe(400);
  });

  it('answers 409 to a PUT carrying a stale modifiedDate, and accepts the fresh one', async () => {
    const proxy = (await call(fake, 'GET', 'proxyservice/local')).body as { id: string; modifiedDate: string };
    const first = await call(fake, 'PUT', `proxyservice/${proxy.id}`, proxy);
    expect(first.status).toBe(200);
    expect(await call(fake, 'PUT', `proxyservice/${proxy.id}`, proxy)).toMatchObject({ status: 409 });
    expect((await call(fake, 'PUT', `proxyservice/${proxy.id}`, first.body)).status).toBe(200);
  });

  it('simulates an edit in the QMC between a GET by id and the PUT', async () => {
    const id = ((await call(fake, 'GET', 'proxyservice/local')).body as { id: string }).id;
    fake.control({ concurrentEditAfterGet: 'proxyservice' });
    const read = (await call(fake, 'GET', `proxyservice/${id}`)).body;
    expect((await call(fake, 'PUT', `proxyservice/${id}`, read)).status).toBe(409);
  });

  it('filters collections with the QRS filter syntax and counts', async () => {
    const users = await call(fake, 'GET', `user?filter=${encodeURIComponent("userId eq 'sa_api' and userDirectory eq 'internal'")}`);
    expect(users.body).toEqual([expect.objectContaining({ userId: 'sa_api', userDirectory: 'INTERNAL' })]);
    expect((await call(fake, 'GET', 'user/count')).body).toEqual({ value: 4 });
    expect((await call(fake, 'GET', `user?filter=${encodeURIComponent('userId ne 1')}`)).status).toBe(400);
  });

  it('allocates access only to an existing user, once', async () => {
    const user = (await call(fake, 'POST', 'user', { userId: 'QSAdmin', userDirectory: 'QSVM01', name: 'QSAdmin' })).body as { id: string };
    expect((await call(fake, 'POST', 'license/professionalaccesstype', { user: { id: user.id } })).status).toBe(201);
    expect((await call(fake, 'POST', 'license/professionalaccesstype', { user: { id: user.id } })).status).toBe(400);
    expect((await call(fake, 'POST', 'license/useraccesstype', { user: { id: '00000000-0000-0000-0000-000000000000' } })).status).toBe(400);
  });

  it('answers 503 while told it is starting', async () => {
    fake.control({ notReadyMs: 'forever' });
    expect((await call(fake, 'GET', 'about')).status).toBe(503);
    fake.control({ notReadyMs: 0 });
    expect((await call(fake, 'GET', 'about')).status).toBe(200);
  });

  it('wants JSON bodies', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${fake.url}/qrs/user?xrfkey=${goodKey}`);
      const outgoing = request(url, {
        method: 'POST', ca: fake.caCertPem, cert: fake.clientCertPem, key: fake.clientKeyPem,
        headers: { 'x-qlik-xrfkey': goodKey, 'x-qlik-user': 'UserDirectory=INTERNAL; UserId=sa_api', 'content-type': 'text/plain' },
      }, (incoming) => { incoming.resume(); resolve(incoming.statusCode ?? 0); });
      outgoing.on('error', reject);
      outgoing.end('{}');
    });
    expect(response).toBe(415);
  });
});

describe('fake QRS refusing connections while starting', () => {
  it('listens only after the not-ready period', async () => {
    const fake = await startFakeQrs({ notReadyMs: 300, notReadyMode: 'refuse' });
    try {
      await expect(call(fake, 'GET', 'about')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await call(fake, 'GET', 'about')).status).toBe(200);
    } finally {
      await fake.close();
    }
  });
});

describe('parseQrsFilter', () => {
  it('matches dotted paths, quoted strings with doubled quotes, booleans, case-insensitively', () => {
    const entity = { name: "O'Brien", user: { id: 'ABC' }, defaultVirtualProxy: true };
    expect(parseQrsFilter("name eq 'o''brien' and user.id eq abc and defaultVirtualProxy eq true")(entity)).toBe(true);
    expect(parseQrsFilter('defaultVirtualProxy eq false')(entity)).toBe(false);
  });
});
