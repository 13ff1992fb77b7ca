// Public types of the ARM simulator. Kept apart from the implementation so that
// product code can import them without pulling in the server.

/** What a fault does when its rule fires. */
export type FaultKind =
  /** 429 + Retry-After (ARM throttling). */
  | 'throttle'
  /** A 5xx (default 500) with an ARM error body. */
  | 'serverError'
  /** The TCP connection is destroyed before any response (ECONNRESET on the client). */
  | 'connectionReset'
  /** The request is carried out, then the connection is destroyed instead of answering (retries must be idempotent). */
  | 'responseLost'
  /** 404 for a resource that exists (ARM's eventual consistency right after a create). */
  | 'notFound'
  /** The long-running operation started by the matched request ends Failed. */
  | 'failLro'
  /** A VM create LRO ends Failed with OSProvisioningTimedOut although the VM ends up Succeeded. */
  | 'osProvisioningTimeout'
  /** A managed Run Command PUT's operation ends Failed with InternalExecutionError while its script goes on running. */
  | 'internalExecutionError';

export interface FaultRule {
  kind: FaultKind;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Regular expression (source string or RegExp) tested against the request path (no query). */
  path?: string | RegExp;
  /** First matching request (1-based) the rule may fire on. Default 1. */
  nth?: number;
  /** How many times the rule fires. Default 1, or unlimited when `probability` is set. */
  times?: number;
  /** Chance (0..1) that an eligible request fires the rule, drawn from the seeded generator. */
  probability?: number;
  /** HTTP status for `serverError` (500, 502, 503, 504). */
  status?: number;
  /** Retry-After seconds sent with `throttle` (and 503); scaled by latencyScale. Default 1. */
  retryAfterSeconds?: number;
  /** Error code/message for `serverError` and `failLro`. */
  code?: string;
  message?: string;
}

export interface RunCommandInvocation {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
  runCommandName: string;
  script: string;
  /** As ARM received them (for recording); the script sees what `boundParameters` says, not these. */
  parameters: { name: string; value: string }[];
  protectedParameters: { name: string; value: string }[];
  /**
   * What the script really receives on Windows (src/simulator/windows/): the command line powershell.exe
   * starts with after cmd.exe, secrets included (NEVER log or record it); the words after `-File <script>`
   * (a real PowerShell run of the script takes exactly these); what its param block bound.
   */
  commandLine: string;
  argv: string[];
  boundParameters: Record<string, string>;
  runAsUser?: string;
  runAsPassword?: string;
  timeoutInSeconds?: number;
  outputBlobUri?: string;
  errorBlobUri?: string;
  /** What the VM gets when it downloads a URL of this simulator's blob endpoint with a read SAS; undefined when it cannot. */
  download?: (url: string) => Buffer | undefined;
}

export interface RunCommandOutcome {
  exitCode: number;
  output: string;
  error: string;
}

export type RunCommandExecutor = (run: RunCommandInvocation) => Promise<RunCommandOutcome>;

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks an ephemeral port. */
  port?: number;
  /** 0 = instant (default), 1 = real-world latencies. */
  latencyScale?: number;
  /** Rules, or a named profile (see FAULT_PROFILES). Falls back to env QLIK_AZURE_SIM_FAULTS. */
  faults?: FaultRule[] | string;
  /** Seed for fault selection and generated ids. */
  seed?: number;
  runCommandExecutor?: RunCommandExecutor;
  /** Core quota per VM family per region, e.g. { standardDSv5Family: 10 }; key `cores` = total regional vCPUs. */
  quotas?: Record<string, number>;
  /**
   * The cloud whose provider api-versions and regions GET .../providers/{namespace} lists, and which
   * api-versions requests may use (provider-catalog.ts). Default AzureCloud.
   */
  cloud?: import('./provider-catalog.js').SimulatedCloud;
  /**
   * Namespaces registered on every subscription from the start. Default: only those a new subscription has
   * (Microsoft.Resources and the like), so writes to Microsoft.Compute, Network and Storage get 409
   * MissingSubscriptionRegistration until the client registers them. 'all' for tests of something else.
   */
  registeredProviders?: readonly string[] | 'all';
  /** false: POST .../providers/{namespace}/register answers 403 AuthorizationFailed (a least-privilege identity). Default true. */
  mayRegisterProviders?: boolean;
  /** A world saved by Simulator.snapshot() (another process's), to go on from instead of an empty Azure. */
  restore?: import('./snapshot.js').SimulatorSnapshot;
  /** Called after each answered request, when the world may have changed (a caller saving snapshots listens here). */
  onRequestServed?: () => void;
}

export interface LoggedRequest {
  method: string;
  path: string;
  apiVersion: string | undefined;
  /** HTTP status sent; 0 when the connection was dropped instead (connectionReset, responseLost). */
  status: number;
  /** Parsed JSON request body with secret values replaced by "[REDACTED]"; undefined when empty or not JSON. */
  body: unknown;
  /** Epoch milliseconds when the request arrived. */
  at: number;
}

export interface SimResource {
  id: string;
  type: string;
  name: string;
  resourceGroup: string;
  /** The ARM JSON as GET returns it (secrets already removed). */
  body: Record<string, unknown>;
}

export interface Simulator {
  url: string;
  caCertPem: string;
  httpsAgent(): import('node:https').Agent;
  requestLog(): LoggedRequest[];
  resources(): SimResource[];
  /** The world as JSON, with every operation whose work is done ended first; startSimulator({ restore }) loads it. */
  snapshot(): import('./snapshot.js').SimulatorSnapshot;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setRunCommandExecutor(fn: RunCommandExecutor): void;
  close(): Promise<void>;
}
