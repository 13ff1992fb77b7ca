/**
 * Small pieces every Azure step needs around the SDK: a read where 404 means "absent" (confirmed before
 * anything is created on it), what a write reports, a long-running operation awaited with progress, and
 * two pipeline policies that make ARM's pacing visible and sane.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import type { AzureConnection } from './services.js';

interface RestErrorLike {
  readonly name: string;
  readonly statusCode?: number;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof Error && error.name === 'RestError' && (error as RestErrorLike).statusCode === 404;
}

/** GET that answers undefined for 404 (the resource, or its resource group, does not exist). */
export async function readOptional<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Re-reads after a 404 before absence is believed (see readConfirmingAbsence). */
export const ABSENCE_CONFIRMATIONS = 2;

/**
 * A read whose "absent" is believed only when it holds after a pause, twice: ARM's reads are eventually
 * consistent, and a GET served by a replica that has not yet seen a resource answers 404 for it (Azure
 * Resource Manager docs, "Resolve resource not found errors": "wait for the resource to be fully
 * provisioned" / replication delays). Acting on a false 404 means a create-or-replace PUT over what is
 * there: another team's tags, an administrator's NSG rule. Only for reads that decide a create.
 */
export async function readConfirmingAbsence<T>(ctx: WaitContext, read: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let reread = 0; ; reread++) {
    const live = await read();
    if (live !== undefined || reread === ABSENCE_CONFIRMATIONS) return live;
    ctx.progress(`Azure answered 404; reading again to be sure before creating anything`);
    await pause(ctx);
  }
}

/** What a create-or-update PUT reported, taken from its final response. */
export interface WriteReport {
  /** Pass as the SDK call's operation options. */
  readonly options: { onResponse(response: { status: number; request: PipelineRequest }): void };
  /**
   * true when Azure answered 200 OK (the resource existed before this write) rather than 201 Created. A 200
   * that answers a retry of a request whose earlier attempt got no answer is not counted: that earlier
   * attempt most likely created it.
   */
  existedBefore(): boolean;
}

export function writeReport(): WriteReport {
  let final: { status: number; request: PipelineRequest } | undefined;
  return {
    options: { onResponse: (response) => { final = response; } },
    existedBefore: () => final !== undefined && final.status === 200 && !unansweredAttempts.has(final.request),
  };
}

/** What waiting code needs from a step context (kept structural so destroy can use it too). */
export interface WaitContext {
  readonly azure: { readonly connection: Pick<AzureConnection, 'pollIntervalMs'> };
  readonly signal: AbortSignal;
  progress(message: string): void;
}

/** Options for every SDK call that starts a long-running operation. */
export function lroOptions(ctx: WaitContext): { updateIntervalInMs: number; abortSignal: AbortSignal } {
  return { updateIntervalInMs: ctx.azure.connection.pollIntervalMs, abortSignal: ctx.signal };
}

interface ProgressPoller<T> extends PromiseLike<T> {
  onProgress(callback: (state: { status: string }) => void): unknown;
}

/** Awaits an LRO, reporting each status change (not each poll) with the time it has taken so far. */
export async function awaitOperation<T>(ctx: WaitContext, label: string, poller: ProgressPoller<T>): Promise<T> {
  const started = Date.now();
  let last = '';
  poller.onProgress((state) => {
    if (state.status === last) return;
    last = state.status;
    ctx.progress(`${label}: ${state.status} after ${Math.round((Date.now() - started) / 1000)}s`);
  });
  ctx.progress(`${label}: started`);
  return poller;
}

/** Waits one poll interval, or stops at once when the user leaves. */
export function pause(ctx: WaitContext): Promise<void> {
  return sleep(ctx.azure.connection.pollIntervalMs, undefined, { signal: ctx.signal });
}

/** Polls `check` at the connection's interval until it returns a value, or `limitMs` passes. */
export async function pollUntil<T>(ctx: WaitContext, limitMs: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await pause(ctx);
  }
}

// --- Pipeline policies -------------------------------------------------------------------------------

/** Where retry notices go: the step whose SDK call is retried (set around each step's work). */
const noticeSink = new AsyncLocalStorage<(message: string) => void>();

/** Runs `work` so that SDK retries inside it are reported through `note`. */
export function withAzureNotices<T>(note: (message: string) => void, work: () => Promise<T>): Promise<T> {
  return noticeSink.run(note, work);
}

/** core-rest-pipeline's default retry budget (DEFAULT_RETRY_POLICY_COUNT). */
const SDK_MAX_RETRIES = 3;

function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - Date.now()) / 1000));
}

function describeRetry(status: number | undefined, retryAfter: number | undefined, errorCode: string | undefined): string | undefined {
  const after = retryAfter === undefined ? '' : ` after ${retryAfter}s`;
  if (status === 429) return `Azure throttled (429); retrying${after}`;
  if (status !== undefined && status >= 500 && status !== 501 && status !== 505) return `Azure answered ${status}; retrying${after}`;
  if (errorCode && /^(ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ECONNREFUSED)$/.test(errorCode)) return `connection to Azure failed (${errorCode}); retrying`;
  return undefined;
}

/**
 * Sits inside the SDK's retry loop and tells the step about every attempt that will be retried. The SDK
 * already honours Retry-After on 429 and 503; without this the user would only see an unexplained pause.
 * It also remembers the requests with an attempt that got no answer, for writeReport.
 */
/** Requests one of whose attempts got no answer (reset, lost response): the server may have carried it out. */
const unansweredAttempts = new WeakSet<PipelineRequest>();

export function retryNoticePolicy(): PipelinePolicy {
  const attempts = new WeakMap<PipelineRequest, number>();
  return {
    name: 'qlikAzureRetryNotice',
    async sendRequest(request, next) {
      const attempt = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, attempt);
      const tell = (message: string | undefined) => {
        if (message && attempt <= SDK_MAX_RETRIES) noticeSink.getStore()?.(message);
      };
      try {
        const response = await next(request);
        tell(describeRetry(response.status, retryAfterSeconds(response.headers.get('retry-after')), undefined));
        return response;
      } catch (error) {
        unansweredAttempts.add(request);
        tell(describeRetry(undefined, undefined, (error as { code?: string }).code));
        throw error;
      }
    },
  };
}

/**
 * ARM's Retry-After on a status monitor is a coarse per-provider guess (30 s for every VM create), and
 * core-lro obeys it, so a VM that is ready at 96 s is seen at 120 s. This caps that pause at the configured
 * poll interval ("0" makes core-lro fall back to it): the overshoot per operation is at most one interval,
 * at the cost of one GET per interval per operation in flight (four at most here, far inside ARM's read
 * budget). Throttling (429/503) is untouched: the retry policy honours its Retry-After in full.
 */
export function pollPacingPolicy(pollIntervalMs: number): PipelinePolicy {
  return {
    name: 'qlikAzurePollPacing',
    async sendRequest(request, next) {
      const response = await next(request);
      const serverSeconds = retryAfterSeconds(response.headers.get('retry-after'));
      if (request.method === 'GET' && response.status < 300 && serverSeconds !== undefined && serverSeconds * 1000 > pollIntervalMs) {
        response.headers.set('retry-after', '0');
      }
      return response;
    },
  };
}

// --- Credential ----------------------------------------------------------------------------------------

/** Renew a little before the SDK's own token cycler would (it refreshes 2 minutes before expiry). */
const TOKEN_RENEWAL_MARGIN_MS = 5 * 60_000;

/**
 * One token for the four clients. Each client's pipeline asks the credential on its first request, and with
 * `--auth cli` every ask is an `az` process (about a second on a workstation) on the critical path of the
 * first step that uses that client. A challenge (claims) or another tenant goes straight to the credential.
 */
export function sharedTokenCredential(credential: TokenCredential): TokenCredential {
  const tokens = new Map<string, Promise<AccessToken | null>>();
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      if (options?.claims || options?.tenantId) return credential.getToken(scopes, options);
      const key = [scopes].flat().join(' ');
      const previous = tokens.get(key);
      // Chained synchronously, so callers that arrive together share one request to the credential.
      const next = (async () => {
        const cached = await previous?.catch(() => null);
        if (cached && cached.expiresOnTimestamp - Date.now() > TOKEN_RENEWAL_MARGIN_MS) return cached;
        return credential.getToken(scopes, options);
      })();
      tokens.set(key, next);
      return next;
    },
  };
}
