/**
 * Which backend holds a deployment's state: --state azblob://… when given, else the config's `state`, else
 * the local folder <state-dir>/<deployment>. The blob backend's module (and the storage SDK) loads only
 * when it is chosen.
 */
import type { ResolvedConfig } from '../config/derive.js';
import { parseAzblobUrl } from '../config/azblob-url.js';
import { ConfigError } from '../config/errors.js';
import type { Secret, Secrets } from '../config/secrets.js';
import type { StorageKeys } from '../state/azblob-backend.js';
import type { StateBackend } from '../state/backend.js';
import { LocalStateBackend } from '../state/local-backend.js';
import type { GlobalOptions } from './options.js';

/** The azblob:// URL in force, and where it was written (for messages); undefined = local files. */
export function sharedStateUrl(options: Pick<GlobalOptions, 'state'>, config?: Pick<ResolvedConfig, 'state'>): { url: string; field: string } | undefined {
  if (options.state !== undefined) return { url: options.state, field: '--state' };
  if (config?.state?.backend === 'azblob' && config.state.url) return { url: config.state.url, field: 'state.url' };
  return undefined;
}

/** The storage secrets of a shared state: the environment's, else the secrets file's (read only when a file is given). */
async function storageKeys(options: GlobalOptions, secrets: Secrets | undefined): Promise<StorageKeys> {
  const env = process.env;
  const fromFile = secrets ?? (options.secretsFile ? await storageSecretsOfFile(options.secretsFile) : {});
  const pick = (value: string | undefined, secret: Secret | undefined) => value || secret?.reveal();
  const keys = { connectionString: env.AZURE_STORAGE_CONNECTION_STRING, accountKey: pick(env.AZURE_STORAGE_KEY, fromFile.stateStorageKey), sasToken: pick(env.AZURE_STORAGE_SAS_TOKEN, fromFile.stateStorageSasToken) };
  return Object.fromEntries(Object.entries(keys).filter(([, value]) => value)) as StorageKeys;
}

async function storageSecretsOfFile(path: string): Promise<Secrets> {
  const { readSecretsFile, validateSecrets } = await import('../config/secret-sources.js');
  const raw = await readSecretsFile(path);
  const wanted = Object.fromEntries(Object.entries(raw).filter(([name]) => name === 'stateStorageKey' || name === 'stateStorageSasToken'));
  return validateSecrets(wanted, [], path);
}

/** @param secrets the run's secrets, when the command has loaded them (apply, resume, destroy). */
export async function stateBackendAt(url: string, field: string, options: GlobalOptions, deployment: string, context: { tenantId?: string | undefined; secrets?: Secrets | undefined } = {}): Promise<StateBackend> {
  const location = parseAzblobUrl(url, field);
  const { AzblobStateBackend, leaseSeconds } = await import('../state/azblob-backend.js');
  const endpoint = process.env.QLIK_AZURE_TEST_BLOB_ENDPOINT;
  return new AzblobStateBackend({
    location,
    deployment,
    keys: await storageKeys(options, context.secrets),
    leaseSeconds: leaseSeconds(process.env),
    ...(endpoint ? { endpoint } : {}),
    cloud: options.cloud,
    signIn: async () => {
      const { createCredential, isAuthKind } = await import('../azure/credentials.js');
      if (!isAuthKind(options.auth)) throw new ConfigError([{ field: '--auth', message: `'${options.auth}' is not a sign-in method` }]);
      return createCredential({ kind: options.auth, cloud: options.cloud, tenantId: options.tenant ?? context.tenantId });
    },
  });
}

export async function stateBackend(options: GlobalOptions, deployment: string, config?: ResolvedConfig, secrets?: Secrets): Promise<StateBackend> {
  const shared = sharedStateUrl(options, config);
  if (!shared) return new LocalStateBackend(options.stateDir, deployment);
  return stateBackendAt(shared.url, shared.field, options, deployment, { tenantId: config?.azure.tenantId, secrets });
}

/** For commands that need only the state (status, destroy, state …): the deployment's backend, the config read when there is one. */
export async function deploymentStateBackend(options: GlobalOptions): Promise<StateBackend> {
  const { configPath } = await import('./config-path.js');
  const { loadDeploymentConfig } = await import('./session.js');
  const config = configPath(options) ? await loadDeploymentConfig(options) : undefined;
  if (!config && !options.deployment && options.state !== undefined) {
    throw new ConfigError([{ field: '--deployment', message: `is needed with --state and no config file: a container can hold several deployments. Fix: pass --deployment NAME (or --config FILE)` }]);
  }
  const { deploymentName } = await import('./deployment-lookup.js');
  return stateBackend(options, config?.deployment ?? (await deploymentName(options)), config);
}
