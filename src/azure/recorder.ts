/**
 * Records what Azure answers, for the live test (`npm run test:live`, issue 21): a pipeline policy on every
 * SDK client of services.ts writes each HTTP attempt (method, URL, status, the headers the product reads,
 * bodies, start time and duration) to `<QLIK_AZURE_RECORD_DIR>/<QLIK_AZURE_RECORD_LABEL>.ndjson`, one
 * test-proxy entry (the Azure SDKs' recording format) per line, so the replay tests read these and the SDKs'
 * public recordings alike. Finished Run Command instance views, with the `##qlik-azure[result]` each script
 * reports (QRS results among them), go to `<label>.run-commands.ndjson` as well.
 *
 * Run Command scripts (the envelope around a template of templates/, about 100 KB each, sent with every PUT and
 * returned with every instance view) are written as their SHA-256 and length: they are public in this
 * repository, and equal digests still show that Azure returned the script it was sent.
 *
 * Everything is sanitised (sanitise.ts) before it is written: nothing raw ever reaches the disk. A line is
 * appended per attempt, so a run killed midway leaves a readable recording of what happened until then.
 * Off unless QLIK_AZURE_RECORD_DIR is set.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { Sanitiser } from './sanitise.js';

export const RECORD_DIR_ENV = 'QLIK_AZURE_RECORD_DIR';
export const RECORD_LABEL_ENV = 'QLIK_AZURE_RECORD_LABEL';
/** Recordings name public Azure's endpoint whatever answered (the simulator's loopback port means nothing later). */
export const RECORDED_ORIGIN = 'https://management.azure.com';

/** Headers kept: those that shape LROs, throttling and errors. Authorization and cookies never are. */
const KEPT_REQUEST_HEADERS = new Set(['content-type', 'if-match', 'if-none-match']);
const KEPT_RESPONSE_HEADER = /^(azure-asyncoperation|location|retry-after|content-type|etag|x-ms-ratelimit-remaining-.*|x-ms-failure-cause|x-ms-error-code)$/i;
const TERMINAL_STATES = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled']);
const RUN_COMMAND = /\/virtualMachines\/([^/]+)\/runCommands\/([^/?]+)/i;
const RESULT_LINE = '##qlik-azure[result] ';
const PHASE_LINE = '##qlik-azure[phase] ';

/** One HTTP attempt, in the test-proxy entry format plus its timing. */
export interface RecordedEntry {
  readonly RequestUri: string;
  readonly RequestMethod: string;
  readonly RequestHeaders: Record<string, string>;
  readonly RequestBody: unknown;
  readonly StatusCode: number;
  readonly ResponseHeaders: Record<string, string>;
  readonly ResponseBody: unknown;
  readonly StartedAt: string;
  readonly DurationMs: number;
  /** A transport failure (connection reset) instead of an answer; StatusCode is 0 then. */
  readonly Error?: string;
}

interface InstanceView {
  executionState?: string;
  exitCode?: number;
  startTime?: string;
  endTime?: string;
  output?: string;
  error?: string;
}

function parseBody(text: string | undefined | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Scripts longer than this are written as their digest. */
const SCRIPT_CHARS_KEPT = 256;

/** The body with every long `script` replaced by `<script sha256=… chars=…>`. */
function digestScripts(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(digestScripts);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) =>
    key === 'script' && typeof inner === 'string' && inner.length > SCRIPT_CHARS_KEPT
      ? [key, `<script sha256=${createHash('sha256').update(inner).digest('hex')} chars=${inner.length}>`]
      : [key, digestScripts(inner)]));
}

function keptHeaders(headers: Iterable<[string, string]>, keep: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => keep(name)));
}

/** The lines of a script's output that start with `marker`, without it. */
const markedLines = (output: string | undefined, marker: string) =>
  (output ?? '').split(/\r?\n/).filter((line) => line.startsWith(marker)).map((line) => line.slice(marker.length).trim());

export class Recording {
  readonly #sanitiser = new Sanitiser();
  readonly #views = new Set<string>();
  readonly #exchanges: string;
  readonly #runCommands: string;

  /** `origin`: the endpoint the clients talk to, written as RECORDED_ORIGIN. */
  constructor(directory: string, label: string, private readonly origin: string) {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    this.#exchanges = join(directory, `${label}.ndjson`);
    this.#runCommands = join(directory, `${label}.run-commands.ndjson`);
  }

  exchange(request: PipelineRequest, started: number, response: PipelineResponse | undefined, error?: unknown): void {
    const entry: RecordedEntry = {
      RequestUri: this.#local(request.url),
      RequestMethod: request.method,
      RequestHeaders: keptHeaders(request.headers, (name) => KEPT_REQUEST_HEADERS.has(name.toLowerCase())),
      RequestBody: typeof request.body === 'string' ? digestScripts(parseBody(this.#local(request.body))) : null,
      StatusCode: response?.status ?? 0,
      ResponseHeaders: response ? keptHeaders([...response.headers].map(([name, value]) => [name, this.#local(value)]), (name) => KEPT_RESPONSE_HEADER.test(name)) : {},
      ResponseBody: digestScripts(parseBody(response?.bodyAsText ? this.#local(response.bodyAsText) : null)),
      StartedAt: new Date(started).toISOString(),
      DurationMs: Date.now() - started,
      ...(error ? { Error: String((error as { code?: string }).code ?? (error as Error).message ?? error) } : {}),
    };
    this.#append(this.#exchanges, entry);
    if (response && request.method === 'GET') this.#instanceView(request.url, entry.ResponseBody);
  }

  /** A finished Run Command, once per execution: its state, exit code, phases and the result the script reported. */
  #instanceView(url: string, body: unknown): void {
    const view = (body as { properties?: { instanceView?: InstanceView } } | null)?.properties?.instanceView;
    const target = RUN_COMMAND.exec(url);
    if (!target || !view || !TERMINAL_STATES.has(view.executionState ?? '')) return;
    const key = `${target[1]}/${target[2]}/${view.startTime ?? ''}`;
    if (this.#views.has(key)) return;
    this.#views.add(key);
    const result = markedLines(view.output, RESULT_LINE).at(-1);
    this.#append(this.#runCommands, {
      Vm: target[1],
      RunCommand: target[2],
      ExecutionState: view.executionState,
      ExitCode: view.exitCode,
      StartTime: view.startTime,
      EndTime: view.endTime,
      Phases: markedLines(view.output, PHASE_LINE),
      Result: result === undefined ? null : parseBody(result),
      Error: view.error ?? '',
    });
  }

  #local(text: string): string {
    return text.split(this.origin).join(RECORDED_ORIGIN);
  }

  #append(file: string, record: object): void {
    appendFileSync(file, `${JSON.stringify(this.#sanitiser.json(record))}\n`, { mode: 0o600 });
  }
}

export function recordingPolicy(recording: Recording): PipelinePolicy {
  return {
    name: 'qlikAzureRecorder',
    async sendRequest(request, next) {
      const started = Date.now();
      try {
        const response = await next(request);
        recording.exchange(request, started, response);
        return response;
      } catch (error) {
        recording.exchange(request, started, undefined, error);
        throw error;
      }
    },
  };
}

/** The hook services.ts adds to every client: a recorder when QLIK_AZURE_RECORD_DIR is set, else nothing. */
export function recordingPolicies(endpoint: string, env: NodeJS.ProcessEnv = process.env): { policy: PipelinePolicy; position: 'perRetry' }[] {
  const directory = env[RECORD_DIR_ENV];
  if (!directory) return [];
  const named = env[RECORD_LABEL_ENV];
  const label = named && /^[\w.-]+$/.test(named) ? named : `session-${process.pid}`;
  return [{ policy: recordingPolicy(new Recording(directory, label, new URL(endpoint).origin)), position: 'perRetry' }];
}
