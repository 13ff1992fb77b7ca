/**
 * `azblob://<account>/<container>[/<prefix>]`: where a team's state lives (the form Pulumi's azblob backend
 * uses). Checked against Azure's naming rules for storage accounts and containers
 * (learn.microsoft.com rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata),
 * so a typo is named before anything is sent.
 */
import { ConfigError } from './errors.js';

export interface AzblobLocation {
  readonly account: string;
  readonly container: string;
  /** Blob name prefix without slashes at either end; '' for the container's root. */
  readonly prefix: string;
}

const SCHEME = 'azblob://';
const ACCOUNT = /^[a-z0-9]{3,24}$/;
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._-]+$/;

export function isAzblobUrl(value: string): boolean {
  return value.startsWith(SCHEME);
}

export function formatAzblobUrl(location: AzblobLocation): string {
  return `${SCHEME}${location.account}/${location.container}${location.prefix ? `/${location.prefix}` : ''}`;
}

/** What is wrong with a location, with its fix; undefined when it is a valid one. */
export function checkAzblobUrl(value: string): string | undefined {
  const fix = '. Fix: write azblob://<storage account>/<container>[/<prefix>], e.g. azblob://qlikstate/deployments/team-a';
  // A query or user part may be a SAS or a key: the message shows the URL without it.
  const shown = `'${value.replace(/[?#].*$/s, '').replace(/\/\/[^/]*@/, '//')}'`;
  if (!isAzblobUrl(value)) return `${shown} is not an azblob:// URL${fix}`;
  if (/[?#@]/.test(value)) return `${shown} has a query, fragment or user part; credentials never go in the URL${fix}, and give a key or SAS in the secrets file (stateStorageKey, stateStorageSasToken) or the environment (AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN), or sign in to Azure`;
  const [account = '', container = '', ...rest] = value.slice(SCHEME.length).replace(/\/+$/, '').split('/');
  if (!ACCOUNT.test(account)) return `${shown} names storage account '${account}'; account names are 3-24 lowercase letters and digits${fix}`;
  if (!CONTAINER.test(container)) return `${shown} names container '${container}'; container names are 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit${fix}`;
  const bad = rest.find((segment) => !PREFIX_SEGMENT.test(segment) || segment === '.' || segment === '..');
  if (bad !== undefined) return `${shown} has prefix part '${bad}'; use letters, digits, '.', '_' and '-' between single slashes${fix}`;
  return undefined;
}

/** Parses a location; `field` is where the user wrote it (--state, state.url), for the message. */
export function parseAzblobUrl(value: string, field: string): AzblobLocation {
  const problem = checkAzblobUrl(value);
  if (problem) throw new ConfigError([{ field, message: problem }]);
  const [account = '', container = '', ...rest] = value.slice(SCHEME.length).replace(/\/+$/, '').split('/');
  return { account, container, prefix: rest.join('/') };
}
