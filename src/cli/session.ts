/**
 * What a command needs before the engine can run: the config, the secrets, a connection to Azure (real or
 * simulated) and the step contexts. The CLI builds these; it never calls the SDK itself.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import type { AzureServices } from '../azure/services.js';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import type { ResolvedConfig } from '../config/derive.js';
import { loadConfig } from '../config/load.js';
import { generatePasswords, missingGeneratableSecrets, parseSecretsDocument, readSecretsFile, requiredSecrets, validateSecrets, writeGeneratedSecrets } from '../config/secret-sources.js';
import type { Secrets } from '../config/secrets.js';
import type { RunnableEntry } from '../engine/catalogue.js';
import { StepError, type ArtifactWriter, type LocalFile, type StepContext } from '../engine/step.js';
import type { Journal } from '../engine/journal.js';
import { configPath, DEFAULT_CONFIG_FILE } from './config-path.js';
import type { GlobalOptions } from './options.js';
import { writeLocalArtifact } from '../state/local-backend.js';
import { ensureStateFolder, statePaths } from '../state/store.js';


export async function loadDeploymentConfig(options: GlobalOptions): Promise<ResolvedConfig> {
  const file = configPath(options);
  if (!file && !options.deployment) {
    throw new ConfigError([{ field: '--config', message: `no config file given and no ${DEFAULT_CONFIG_FILE} here. Fix: run 'qlik-azure init' (the wizard) or 'qlik-azure init --example' to write one, or pass --config FILE` }]);
  }
  return loadConfig({ file, flags: { deployment: options.deployment, subscriptionId: options.subscription }, env: process.env });
}

/**
 * What only --simulate can use: the simulator's stand-in installer link (a `.invalid` name, which never
 * resolves, simulator/stand-ins.ts). A real VM would fail to download it at step 40, after an hour of
 * resources; this says so before anything is created.
 */
export function simulatorOnlySettings(config: ResolvedConfig, simulate: boolean | undefined): ConfigIssue[] {
  const installer = config.qlik.installer;
  if (simulate || installer?.source !== 'url' || !new URL(installer.url).hostname.endsWith('.invalid')) return [];
  return [{ field: 'qlik.installer.url', message: `${installer.url} is the simulator's stand-in installer (a .invalid name never resolves), which only --simulate can use. Fix: paste Qlik's download link for your release (or use source: file), or add --simulate` }];
}

export function generatedSecretsPath(options: GlobalOptions, deployment: string): string {
  return join(statePaths(options.stateDir, deployment).directory, 'secrets.yaml');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface SecretsLoad {
  readonly secrets: Secrets;
  /** Where generated passwords go, if any were generated. */
  readonly generatedInto?: string;
  readonly generated: readonly string[];
  /**
   * Writes the generated passwords to `generatedInto`. Called once the run is about to change something:
   * a run refused before that (bad input, no confirmation) leaves no secrets file behind.
   */
  saveGenerated(): Promise<void>;
}

async function readSuppliedSecrets(options: GlobalOptions): Promise<{ raw: Record<string, unknown>; source: string }> {
  if (options.secretsFile) return { raw: await readSecretsFile(options.secretsFile), source: options.secretsFile };
  if (options.secretsStdin) return { raw: parseSecretsDocument(await readStdin(), 'standard input'), source: 'standard input' };
  return { raw: {}, source: 'secrets' };
}

/**
 * Secrets from --secrets-file or --secrets-stdin, plus the passwords generated for this deployment
 * earlier (never from flags). What the user supplies wins; generated passwords fill the gaps, so a later
 * run never loses, or replaces, the passwords already set on the VM.
 */
export async function loadSecrets(options: GlobalOptions & { generateSecrets?: boolean }, config: ResolvedConfig, command: { takesGenerateSecrets: boolean }): Promise<SecretsLoad> {
  const required = requiredSecrets(config);
  const supplied = await readSuppliedSecrets(options);
  const generatedPath = generatedSecretsPath(options, config.deployment);
  const earlierGenerated = existsSync(generatedPath) ? await readSecretsFile(generatedPath) : {};
  const known = { ...earlierGenerated, ...Object.fromEntries(Object.entries(supplied.raw).filter(([, value]) => value !== '')) };
  const source = Object.keys(earlierGenerated).length > 0 && supplied.source === 'secrets' ? generatedPath : supplied.source;
  const toGenerate = options.generateSecrets ? missingGeneratableSecrets(known, required) : [];
  const rules = { allowExamples: Boolean(options.simulate), canGenerate: command.takesGenerateSecrets };
  if (toGenerate.length === 0) return { secrets: validateSecrets(known, required, source, rules), generated: [], saveGenerated: async () => undefined };
  const generated = generatePasswords(toGenerate);
  return {
    secrets: validateSecrets({ ...generated, ...known }, required, source, rules),
    generatedInto: generatedPath,
    generated: toGenerate,
    async saveGenerated() {
      await ensureStateFolder(options.stateDir, config.deployment);
      await writeGeneratedSecrets(generatedPath, earlierGenerated, generated);
    },
  };
}

export interface AzureSession {
  readonly services: AzureServices;
  readonly simulated: boolean;
  close(): Promise<void>;
}

const SIMULATED_SUBSCRIPTION = '00000000-0000-4000-8000-000000000000';

/** What --simulate needs beyond the options: the run's secret values, to prove simulation.json holds none. */
export interface SimulationOptions {
  readonly secretValues?: readonly string[];
  /** false when the command only reads (plan): the saved world is loaded, never written. Default true. */
  readonly save?: boolean;
  readonly warn?: (message: string) => void;
}

/** A connection to Azure, or with --simulate to the in-process simulator holding the deployment's saved world. */
export async function connectAzure(options: GlobalOptions, config: ResolvedConfig, simulation: SimulationOptions = {}): Promise<AzureSession> {
  const { createAzureServices, preloadClients } = await import('../azure/services.js');
  const { TOOL_VERSION } = await import('./version.js');
  const userAgent = `qlik-azure/${TOOL_VERSION}`;
  const requestLog = options.verbose ? (line: string) => process.stderr.write(`azure: ${line}\n`) : undefined;
  const pollIntervalMs = Number(process.env.QLIK_AZURE_POLL_INTERVAL_MS ?? 1000);
  if (options.simulate) {
    const { simulationSettings, startSimulatedWorld } = await import('./simulated-azure.js');
    const { simulatorCredential } = await import('../azure/credentials.js');
    const subscriptionId = config.subscriptionId ?? SIMULATED_SUBSCRIPTION;
    const world = await startSimulatedWorld({
      stateDir: options.stateDir,
      config,
      subscriptionId,
      cloud: options.cloud,
      secretValues: simulation.secretValues ?? [],
      save: simulation.save ?? true,
      warn: simulation.warn ?? ((message) => process.stderr.write(`warning: ${message}\n`)),
    });
    preloadClients();
    const services = createAzureServices({
      subscriptionId,
      credential: simulatorCredential(),
      endpoint: world.simulator.url,
      cloud: options.cloud,
      agent: world.simulator.httpsAgent(),
      pollIntervalMs: Math.min(pollIntervalMs, 200),
      timeScale: simulationSettings(process.env).latencyScale,
      userAgent,
      requestLog,
      qlikProxy: { host: '127.0.0.1', ports: world.proxy.ports, ca: world.proxy.caCertPem },
    });
    return { services, simulated: true, close: () => world.close() };
  }
  if (!config.subscriptionId) {
    throw new ConfigError([{ field: 'subscriptionId', message: 'is required to reach Azure. Fix: set subscriptionId in the config, pass --subscription ID, or set AZURE_SUBSCRIPTION_ID (az account show --query id -o tsv prints yours)' }]);
  }
  const { createCredential, isAuthKind } = await import('../azure/credentials.js');
  const { armScope, cloudProfile } = await import('../azure/clouds.js');
  if (!isAuthKind(options.auth)) throw new ConfigError([{ field: '--auth', message: `'${options.auth}' is not a sign-in method` }]);
  const endpoint = options.armEndpoint ?? cloudProfile(options.cloud).arm;
  if (!endpoint.startsWith('https://')) {
    throw new ConfigError([{ field: '--arm-endpoint', message: `'${endpoint}' is not HTTPS; Azure's SDK sends tokens only over HTTPS. Fix: use an https:// URL` }]);
  }
  // QLIK_AZURE_TIME_SCALE: for a benchmark against a simulator at another latencyScale; Azure itself runs at 1.
  const timeScale = Number(process.env.QLIK_AZURE_TIME_SCALE ?? 1);
  const credential = await createCredential({
    kind: options.auth,
    cloud: options.cloud,
    tenantId: options.tenant ?? config.azure.tenantId,
    managedIdentityClientId: config.azure.managedIdentityClientId,
  });
  // The token comes from another process (az) or the network: the SDK clients load meanwhile, not after it.
  const signedIn = assertSignedIn(credential, options.auth, armScope(endpoint));
  preloadClients();
  await signedIn;
  const services = createAzureServices({ subscriptionId: config.subscriptionId, credential, endpoint, cloud: options.cloud, pollIntervalMs, timeScale, userAgent, requestLog });
  return { services, simulated: false, close: async () => undefined };
}

const SIGN_IN_ADVICE: Record<string, string> = {
  cli: "run 'az login' (and 'az account set --subscription ID'), then run this command again",
  env: 'set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH)',
  'managed-identity': 'run on an Azure machine with a managed identity, or pick another --auth',
};

/**
 * One token before anything else: without a sign-in every step's plan would only say "cannot tell" and
 * every step would fail the same way, so the run stops here with the one fix.
 */
async function assertSignedIn(credential: TokenCredential, auth: string, scope: string): Promise<void> {
  try {
    await credential.getToken(scope);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const fix = SIGN_IN_ADVICE[auth] ?? "sign in with 'az login' and pass --auth cli, or check the sign-in method --auth names";
    throw new ConfigError([{ field: '--auth', message: `signing in to Azure (--auth ${auth}) failed: ${reason}. Nothing was read or created. Fix: ${fix}` }]);
  }
}

/** Where artifacts (RDP file, account table) go, beside the state: the state backend's writer, or a local folder. */
type ArtifactPlace = { readonly artifacts: ArtifactWriter } | { readonly artifactDirectory: string };

export type ContextFactoryOptions = ArtifactPlace & {
  readonly config: ResolvedConfig;
  readonly secrets: Secrets;
  readonly azure: AzureServices;
  readonly journal: Pick<Journal, 'entry'>;
  readonly signal: AbortSignal;
  readonly progress: (step: number, message: string) => void;
  readonly note: (step: number, message: string) => void;
};

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
  const artifacts: ArtifactWriter = 'artifacts' in options ? options.artifacts : { write: (name, content) => writeLocalArtifact(options.artifactDirectory, name, content) };
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
