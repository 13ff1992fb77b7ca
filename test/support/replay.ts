// Replays recorded ARM sessions against the simulator and lists where it answers differently: the Azure
// SDKs' public recordings (test-proxy JSON, test/fixtures/azure-recordings) and the live test's own
// (NDJSON of the same entries, test/recordings/<date>-<region>/, written by src/azure/recorder.ts).
// A difference is a simulator bug, and the recording is its test.
//
// Compared, request by request in the order they were sent: the status code; which LRO headers came
// (Azure-AsyncOperation, Location, Retry-After); the error code of a refusal; the body fields the product
// reads (PRODUCT_READS); and for an LRO, polling the simulator's own operation URL to the end: the final
// status code, no status the recording never saw, and the final operation status and error code.
// Faults the recording caught (429, 5xx, a reset, a Failed LRO, a 404 after create) are injected at the
// same request, so the simulator's fault answers are held to Azure's too.
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { startSimulator, type FaultRule, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
// @ts-expect-error: plain ES module of scripts/, without types (shared with scripts/live/timings.mjs)
import * as format from '../../scripts/live/recording-format.mjs';

export interface RecordedEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestBody: unknown;
  StatusCode: number;
  ResponseHeaders: Record<string, string>;
  ResponseBody: unknown;
  StartedAt?: string;
  Error?: string;
}

export interface Difference {
  readonly what: string;
  readonly field: string;
  readonly recorded: unknown;
  readonly replayed: unknown;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  error?: string;
}

export interface ReplayOptions {
  /** Which non-poll entries to replay (default all). */
  readonly include?: (entry: RecordedEntry) => boolean;
  /** The request body as it must be sent today (a recording may hold a sanitised or retired value). */
  readonly adapt?: (body: unknown) => unknown;
  /** Whether the product-read body fields are compared (the live test's recordings); the SDKs' test the API, not our reads. */
  readonly productReads?: boolean;
}

export interface LiveManifest {
  readonly source: 'azure' | 'simulator';
  readonly region: string;
  readonly phases: readonly { phase: string; exitCode: number }[];
}

const isPoll: (uri: string) => boolean = format.isPoll;
export const header: (headers: Record<string, unknown>, name: string) => unknown = format.header;
const pathAndQuery: (uri: string) => string = format.pathAndQuery;
/** A live-test recording: its manifest, and the exchanges of every phase in the order they were sent. */
export const readLiveRecording: (directory: string) => { manifest: LiveManifest; entries: RecordedEntry[] } = format.readLiveRecording;
const recordedPollsOf: (entries: readonly RecordedEntry[], index: number) => RecordedEntry[] = format.recordedPollsOf;
const TRANSIENT = new Set([0, 429, 500, 502, 503, 504]);

/** A test-proxy recording of the Azure SDKs: {"Entries": [...]}. */
export function readTestProxyRecording(path: string): RecordedEntry[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { Entries: RecordedEntry[] }).Entries;
}

export function send(sim: Simulator, method: string, url: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve) => {
    const req = https.request(url, { method, agent: sim.httpsAgent(), headers: { authorization: 'Bearer fake', 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch { /* not JSON: kept as text */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: undefined, error: error.code ?? error.message }));
    req.end(body === null || body === undefined ? undefined : JSON.stringify(body));
  });
}

/** What the recording's first look at each resource provider said: registered ones start registered. */
export function initialRegistrations(entries: readonly RecordedEntry[]): string[] {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const namespace = /\/providers\/(Microsoft\.[A-Za-z]+)(\?|$)/.exec(pathAndQuery(entry.RequestUri))?.[1];
    const state = (entry.ResponseBody as { registrationState?: string } | null)?.registrationState;
    if (entry.RequestMethod === 'GET' && namespace && state && !seen.has(namespace)) seen.set(namespace, state);
  }
  return [...seen].filter(([, state]) => state === 'Registered').map(([namespace]) => namespace);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const errorCode = (body: unknown) => (body as { error?: { code?: string } } | null | undefined)?.error?.code;

/** The operation URL an LRO reply names: Azure-AsyncOperation first, as core-lro polls it. */
const operationUrl = (headers: Record<string, unknown>) => (header(headers, 'azure-asyncoperation') ?? header(headers, 'location')) as string | undefined;

/**
 * Fault rules that make the simulator meet the recording's faults at the same request: the nth request with
 * that method and path, counted over the requests the replay sends.
 */
export function faultRulesFor(entries: readonly RecordedEntry[], include: (e: RecordedEntry) => boolean = () => true): FaultRule[] {
  const rules: FaultRule[] = [];
  const sent = new Map<string, number>();
  /** Request faults already placed per request: the injector stops at the first rule that fires, so later rules do not count that request. */
  const placed = new Map<string, number>();
  const exists = new Set<string>();
  entries.forEach((entry, index) => {
    if (isPoll(entry.RequestUri) || !include(entry)) return;
    const path = new URL(entry.RequestUri).pathname;
    const key = `${entry.RequestMethod} ${path.toLowerCase()}`;
    const nth = (sent.get(key) ?? 0) + 1;
    sent.set(key, nth);
    const before = placed.get(key) ?? 0;
    const at = { method: entry.RequestMethod, path: `^${escapeRegExp(path)}$`, nth: nth - before, times: 1 };
    const requestFault = TRANSIENT.has(entry.StatusCode) || (entry.RequestMethod === 'GET' && entry.StatusCode === 404 && exists.has(path.toLowerCase()));
    if (requestFault) placed.set(key, before + 1);
    const retryAfter = Number(header(entry.ResponseHeaders, 'retry-after'));
    if (entry.StatusCode === 0) rules.push({ kind: 'connectionReset', ...at });
    else if (entry.StatusCode === 429) rules.push({ kind: 'throttle', ...at, ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}) });
    else if (TRANSIENT.has(entry.StatusCode)) rules.push({ kind: 'serverError', status: entry.StatusCode, ...at });
    else if (entry.RequestMethod === 'GET' && entry.StatusCode === 404 && exists.has(path.toLowerCase())) rules.push({ kind: 'notFound', ...at });
    if (entry.RequestMethod === 'PUT' && entry.StatusCode < 300) exists.add(path.toLowerCase());
    // Deleting a group deletes what is in it.
    if (entry.RequestMethod === 'DELETE') for (const existing of exists) if (existing === path.toLowerCase() || existing.startsWith(`${path.toLowerCase()}/`)) exists.delete(existing);
    const polls = recordedPollsOf(entries, index);
    const finalError = errorCode(polls.at(-1)?.ResponseBody) ?? errorCode(polls.filter((p) => (p.ResponseBody as { status?: string } | null)?.status).at(-1)?.ResponseBody);
    if (finalError === 'OSProvisioningTimedOut') rules.push({ kind: 'osProvisioningTimeout', ...at });
    else if (finalError) rules.push({ kind: 'failLro', ...at });
  });
  return rules;
}

/**
 * Body fields the product reads, by resource type (the path's last type segment); a field the recording has
 * must be in the simulator's answer too, and states must be equal.
 */
const PRODUCT_READS: Record<string, readonly string[]> = {
  '*': ['properties.provisioningState'],
  resourcegroups: ['tags', 'location'],
  publicipaddresses: ['properties.ipAddress', 'properties.dnsSettings.fqdn', 'sku.name'],
  networksecuritygroups: ['properties.securityRules'],
  virtualnetworks: ['properties.subnets', 'properties.addressSpace.addressPrefixes'],
  networkinterfaces: ['properties.ipConfigurations', 'properties.networkSecurityGroup.id'],
  storageaccounts: ['properties.primaryEndpoints.blob', 'kind', 'sku.name'],
  virtualmachines: ['properties.hardwareProfile.vmSize', 'properties.osProfile.computerName', 'properties.storageProfile.osDisk.name'],
  instanceview: ['statuses'],
  runcommands: ['properties.instanceView.executionState'],
  providers: ['registrationState'],
};
const COMPARED_VALUES = new Set(['properties.provisioningState', 'registrationState', 'sku.name', 'kind']);

function at(body: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), body);
}

function resourceType(uri: string): string {
  const segments = new URL(uri).pathname.toLowerCase().split('/').filter(Boolean);
  // …/{type}/{name} for a resource, …/{type} for an action or list (instanceView).
  return segments.length % 2 === 0 ? segments.at(-2)! : segments.at(-1)!;
}

/**
 * The replay runs without latency, so it may be further along than Azure was: a state is right when it is
 * the recorded one or one that a later read of the same URL recorded (Registering, then Registered).
 */
function compareReads(what: string, entries: readonly RecordedEntry[], index: number, reply: Reply, differences: Difference[]): void {
  const entry = entries[index]!;
  if (entry.StatusCode >= 300) return;
  const laterReads = entries.slice(index).filter((e) => e.RequestMethod === 'GET' && pathAndQuery(e.RequestUri) === pathAndQuery(entry.RequestUri));
  for (const path of [...PRODUCT_READS['*']!, ...(PRODUCT_READS[resourceType(entry.RequestUri)] ?? [])]) {
    const recorded = at(entry.ResponseBody, path);
    if (recorded === undefined) continue;
    const replayed = at(reply.body, path);
    const reachable = new Set([recorded, ...(entry.RequestMethod === 'GET' ? laterReads.map((e) => at(e.ResponseBody, path)) : [])]);
    if (replayed === undefined) differences.push({ what, field: path, recorded: 'present', replayed: 'absent' });
    else if (COMPARED_VALUES.has(path) && !reachable.has(replayed)) differences.push({ what, field: path, recorded, replayed });
  }
}

/** Polls the simulator's own LRO URL (as core-lro would) until the operation is terminal. */
export async function pollToEnd(sim: Simulator, first: Reply): Promise<Reply[]> {
  const url = operationUrl(first.headers);
  if (!url) return [];
  const replies: Reply[] = [];
  for (let i = 0; i < 50; i += 1) {
    const reply = await send(sim, 'GET', url);
    replies.push(reply);
    const done = reply.body?.status ? reply.body.status !== 'InProgress' : reply.status !== 202;
    if (done) return replies;
  }
  throw new Error('operation never ended');
}

/** Some recordings sanitised the api-version to '**'; ARM refuses a version it does not offer, so send the SDK's. */
const replayUrl = (sim: Simulator, uri: string) => uri.replace(/^https:\/\/[^/]+/, sim.url).replace('api-version=**', 'api-version=2025-04-01');

export async function replay(sim: Simulator, label: string, entries: readonly RecordedEntry[], options: ReplayOptions = {}): Promise<Difference[]> {
  const differences: Difference[] = [];
  const include = options.include ?? (() => true);
  const differ = (what: string, field: string, recorded: unknown, replayed: unknown) => {
    if (JSON.stringify(recorded) !== JSON.stringify(replayed)) differences.push({ what, field, recorded, replayed });
  };
  for (const [index, entry] of entries.entries()) {
    if (isPoll(entry.RequestUri) || !include(entry)) continue;
    const body = options.adapt ? options.adapt(entry.RequestBody) : entry.RequestBody;
    const reply = await send(sim, entry.RequestMethod, replayUrl(sim, entry.RequestUri), body);
    const what = `${label}#${index} ${entry.RequestMethod} ${new URL(entry.RequestUri).pathname}`;
    differ(what, 'status', entry.StatusCode, reply.status);
    if (entry.StatusCode === 0 || reply.status === 0) continue;
    const lroHeaders = (headers: Record<string, unknown>) => ({
      asyncOperation: header(headers, 'azure-asyncoperation') !== undefined,
      location: header(headers, 'location') !== undefined,
      retryAfter: header(headers, 'retry-after') !== undefined,
    });
    differ(what, 'LRO headers', lroHeaders(entry.ResponseHeaders), lroHeaders(reply.headers));
    differ(what, 'error code', errorCode(entry.ResponseBody), errorCode(reply.body));
    const recordedState = (entry.ResponseBody as { properties?: { provisioningState?: string } } | null)?.properties?.provisioningState;
    if (recordedState && !options.productReads) differ(what, 'provisioningState', recordedState, reply.body?.properties?.provisioningState);
    if (options.productReads) compareReads(what, entries, index, reply, differences);

    const recordedPolls = recordedPollsOf(entries, index);
    if (recordedPolls.length > 0) {
      const ours = await pollToEnd(sim, reply);
      differ(what, 'final poll status', recordedPolls.at(-1)?.StatusCode, ours.at(-1)?.status);
      const recordedStatuses = new Set(recordedPolls.map((p) => p.StatusCode));
      differ(what, 'poll statuses the recording never saw', [], ours.map((r) => r.status).filter((s) => !recordedStatuses.has(s)));
      const terminal = recordedPolls.filter((p) => (p.ResponseBody as { status?: string } | null)?.status).at(-1);
      if (terminal) {
        const outcome = (b: unknown) => ({ status: (b as { status?: string } | null)?.status, error: errorCode(b) });
        differ(what, 'operation outcome', outcome(terminal.ResponseBody), outcome(ours.filter((r) => r.body?.status).at(-1)?.body));
      }
    }
  }
  return differences;
}

/** Replays `entries` on a simulator of their own, with the recording's faults and provider registrations. */
export async function replayOnNewSimulator(label: string, entries: readonly RecordedEntry[], options: ReplayOptions = {}, simulator: SimulatorOptions = {}): Promise<Difference[]> {
  const sim = await startSimulator({ registeredProviders: initialRegistrations(entries), faults: faultRulesFor(entries, options.include), ...simulator });
  try {
    return await replay(sim, label, entries, options);
  } finally {
    await sim.close();
  }
}
