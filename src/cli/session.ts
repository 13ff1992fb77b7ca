/**
 * What a command needs before the engine can run: the config, the secrets, a connection to Azure (real or
 * simulated) and the step contexts. The CLI builds these; it never calls the SDK itself.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AzureServices } from '../azure/services.js';
import { ConfigError } from '../config/errors.js';
import type { ResolvedConfig } from '../config/derive.js';
import { loadConfig } from '../config/load.js';
import { generateMissingSecrets, parseSecretsDocument, readSecretsFile, requiredSecrets, validateSecrets } from '../config/secret-sources.js';
import type { Secrets } from '../config/secrets.js';
import type { RunnableEntry } from '../engine/catalogue.js';
import { StepError, type LocalFile, type StepContext } from '../engine/step.js';
import type { Journal } from '../engine/journal.js';
import { configPath, DEFAULT_CONFIG_FILE } from './config-path.js';
import type { GlobalOptions } from './options.js';


export async function loadDeploymentConfig(options: GlobalOptions): Promise<ResolvedConfig> {
  const file = configPath(options);
  if (!file && !options.deployment) {
    throw new ConfigError([{ field: '--config', message: `no config file given and no ${DEFAULT_CONFIG_FILE} here. Fix: run 'qlik-azure init' to write one, or pass --config FILE (see examples/qlik-azure.yaml)` }]);
  }
  return loadConfig({ file, flags: { deployment: options.deployment, subscriptionId: options.subscription }, env: process.env });
}

export function generatedSecretsPath(options: GlobalOptions, deployment: string): string {
  return join(options.stateDir, deployment, 'secrets.yaml');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface SecretsLoad {
  readonly secrets: Secrets;
  /** Where generated passwords were written, if any were. */
  readonly generatedInto?: string;
  readonly generated: readonly string[];
}

/** Secrets from --secrets-file, --secrets-stdin, or --generate-secrets; never from flags. */
export async function loadSecrets(options: GlobalOptions & { generateSecrets?: boolean }, config: ResolvedConfig): Promise<SecretsLoad> {
  const required = requiredSecrets(config);
  let raw: Record<string, unknown> = {};
  let source = 'secrets';
  if (options.secretsFile) {
    raw = await readSecretsFile(options.secretsFile);
    source = options.secretsFile;
  } else if (options.secretsStdin) {
    raw = parseSecretsDocument(await readStdin(), 'standard input');
    source = 'standard input';
  }
  const generatedPath = generatedSecretsPath(options, config.deployment);
  if (!options.secretsFile && !options.secretsStdin && existsSync(generatedPath)) {
    raw = await readSecretsFile(generatedPath);
    source = generatedPath;
  }
  if (options.generateSecrets) {
    const generated = await generateMissingSecrets(generatedPath, raw, required);
    if (generated.length > 0) {
      raw = await readSecretsFile(generatedPath);
      return { secrets: validateSecrets(raw, required, generatedPath), generatedInto: generatedPath, generated };
    }
  }
  return { secrets: validateSecrets(raw, required, source), generated: [] };
}

export interface AzureSession {
  readonly services: AzureServices;
  readonly simulated: boolean;
  close(): Promise<void>;
}

const SIMULATED_SUBSCRIPTION = '00000000-0000-4000-8000-000000000000';

/** A connection to Azure, or to the in-process simulator with --simulate. */
export async function connectAzure(options: GlobalOptions, config: ResolvedConfig): Promise<AzureSession> {
  const { createAzureServices, preloadClients } = await import('../azure/services.js');
  preloadClients();
  const { TOOL_VERSION } = await import('./version.js');
  const userAgent = `qlik-azure/${TOOL_VERSION}`;
  const requestLog = options.verbose ? (line: string) => process.stderr.write(`azure: ${line}\n`) : undefined;
  const pollIntervalMs = Number(process.env.QLIK_AZURE_POLL_INTERVAL_MS ?? 1000);
  if (options.simulate) {
    const { startSimulator } = await import('../simulator/index.js');
    const { simulatorCredential } = await import('../azure/credentials.js');
    const { createSimulatedQlikVm } = await import('../simulator/qlik-vm.js');
    const { startQlikProxyStandIn } = await import('../simulator/qlik-proxy.js');
    // The VM's scripts run against a simulated Windows machine, and its public Qlik ports are a loopback stand-in.
    const vm = createSimulatedQlikVm({ computerName: () => config.names.computerName });
    const proxy = await startQlikProxyStandIn({ http: config.network.enableHttp ? 'answer' : 'refuse' });
    const simulator = await startSimulator({ latencyScale: Number(process.env.QLIK_AZURE_SIM_LATENCY ?? 0.01), runCommandExecutor: vm.executor });
    const services = createAzureServices({
      subscriptionId: config.subscriptionId ?? SIMULATED_SUBSCRIPTION,
      credential: simulatorCredential(),
      endpoint: simulator.url,
      agent: simulator.httpsAgent(),
      pollIntervalMs: Math.min(pollIntervalMs, 200),
      userAgent,
      requestLog,
      qlikProxy: { host: '127.0.0.1', ports: proxy.ports, ca: proxy.caCertPem },
    });
    return { services, simulated: true, close: async () => { await simulator.close(); await proxy.close(); } };
  }
  if (!config.subscriptionId) {
    throw new ConfigError([{ field: 'subscriptionId', message: 'is required to reach Azure. Fix: set subscriptionId in the config, pass --subscription ID, or set AZURE_SUBSCRIPTION_ID (az account show --query id -o tsv prints yours)' }]);
  }
  const { createCredential, isAuthKind } = await import('../azure/credentials.js');
  const { CLOUDS, isCloudName } = await import('../azure/clouds.js');
  if (!isAuthKind(options.auth)) throw new ConfigError([{ field: '--auth', message: `'${options.auth}' is not a sign-in method` }]);
  const endpoint = options.armEndpoint ?? (isCloudName(options.cloud) ? CLOUDS[options.cloud] : CLOUDS.AzureCloud);
  if (!endpoint.startsWith('https://')) {
    throw new ConfigError([{ field: '--arm-endpoint', message: `'${endpoint}' is not HTTPS; Azure's SDK sends tokens only over HTTPS. Fix: use an https:// URL` }]);
  }
  const services = createAzureServices({ subscriptionId: config.subscriptionId, credential: await createCredential(options.auth), endpoint, pollIntervalMs, userAgent, requestLog });
  return { services, simulated: false, close: async () => undefined };
}

export interface ContextFactoryOptions {
  readonly config: ResolvedConfig;
  readonly secrets: Secrets;
  readonly azure: AzureServices;
  readonly journal: Pick<Journal, 'entry'>;
  /** Where artifacts (RDP file, account table) go: beside the state file. */
  readonly artifactDirectory: string;
  readonly signal: AbortSignal;
  readonly progress: (step: number, message: string) => void;
  readonly note: (step: number, message: string) => void;
}

/** The local files the config names, for steps to stream (they never open paths); a missing file is left out and the step says so. */
function openLocalFiles(config: ResolvedConfig): NonNullable<StepContext['localFiles']> {
  const local = (path: string | undefined): LocalFile | undefined => {
    if (!path) return undefined;
    try {
      const stats = statSync(path);
      return stats.isFile() ? { name: basename(path), size: stats.size, open: () => createReadStream(path) } : undefined;
    } catch {
      return undefined;
    }
  };
  const installer = local(config.qlik.installer?.source === 'file' ? config.qlik.installer.path : undefined);
  const certificate = local(config.qlik.certificate?.pfxFile);
  return { ...(installer ? { installer } : {}), ...(certificate ? { certificate } : {}) };
}

export function stepContextFactory(options: ContextFactoryOptions): (entry: RunnableEntry) => StepContext {
  const artifacts = {
    async write(name: string, content: string) {
      const path = join(options.artifactDirectory, name);
      await mkdir(options.artifactDirectory, { recursive: true, mode: 0o700 });
      await writeFile(path, content, { mode: 0o600 });
      return path;
    },
  };
  const localFiles = openLocalFiles(options.config);
  return (entry) => ({
    step: entry.number,
    config: options.config,
    secrets: options.secrets,
    azure: options.azure,
    artifacts,
    localFiles,
    signal: options.signal,
    outputsOf(step) {
      const recorded = options.journal.entry(step);
      if (recorded?.status !== 'done') throw new StepError(`step ${entry.number} needs the outputs of step ${step}, which has not finished`, { advice: `Run 'qlik-azure apply --from-step ${step}'` });
      return recorded.outputs;
    },
    progress: (message) => options.progress(entry.number, message),
    note: (message) => options.note(entry.number, message),
  });
}
