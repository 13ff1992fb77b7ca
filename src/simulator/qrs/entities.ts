// Entity shapes as a freshly installed single-node QSEoW repository returns them
// (field names from the QRS API reference; only what the step scripts read or write, plus the
// bookkeeping fields every entity carries).
import { randomUUID } from 'node:crypto';
import type { Entity } from './filter.js';

/** Collections the fake serves under /qrs/<name>, with the schemaPath QRS stamps on them. */
export const collectionSchemas = {
  user: 'User',
  systemrule: 'SystemRule',
  proxyservice: 'ProxyService',
  virtualproxyconfig: 'VirtualProxyConfig',
  license: 'License',
  'license/professionalaccesstype': 'License.ProfessionalAccessType',
  'license/useraccesstype': 'License.UserAccessType',
  'license/professionalaccessgroup': 'License.ProfessionalAccessGroup',
  'license/useraccessgroup': 'License.UserAccessGroup',
} as const;

export type CollectionName = keyof typeof collectionSchemas;

export const fakeHostName = 'qlik-fake-node';

export function aboutEntity(): Entity {
  return {
    buildVersion: '14.254.6',
    buildDate: '11/11/2025 12:00:00 AM',
    databaseProvider: 'Devart.Data.PostgreSql',
    nodeType: 1,
    sharedPersistence: true,
    requiresBootstrap: false,
    singleNodeOnly: false,
    schemaPath: 'About',
  };
}

export function bookkeeping(schemaPath: string, modifiedDate: string): Entity {
  return {
    id: randomUUID(),
    createdDate: modifiedDate,
    modifiedDate,
    modifiedByUserName: 'INTERNAL\\sa_repository',
    privileges: null,
    schemaPath,
  };
}

/** The repository right after install: service users, the central proxy and its default virtual proxy; no license. */
export function seedCollections(now: string): Map<CollectionName, Entity[]> {
  const users = ['sa_repository', 'sa_api', 'sa_scheduler', 'sa_proxy'].map((userId) => ({
    ...bookkeeping('User', now),
    ...userDefaults(),
    userId,
    userDirectory: 'INTERNAL',
    name: userId,
  }));
  const node = { id: randomUUID(), name: 'Central', hostName: fakeHostName, privileges: null };
  const defaultVirtualProxy: Entity = {
    ...bookkeeping('VirtualProxyConfig', now),
    prefix: '',
    description: 'Central Proxy (Default)',
    authenticationModuleRedirectUri: '',
    sessionModuleBaseUri: '',
    loadBalancingModuleBaseUri: '',
    useStickyLoadBalancing: false,
    loadBalancingServerNodes: [node],
    authenticationMethod: 0,
    headerAuthenticationMode: 0,
    headerAuthenticationHeaderName: '',
    anonymousAccessMode: 0,
    windowsAuthenticationEnabledDevicePattern: 'Windows',
    sessionCookieHeaderName: 'X-Qlik-Session',
    sessionInactivityTimeout: 30,
    extendedSecurityEnvironment: false,
    websocketCrossOriginWhiteList: [],
    defaultVirtualProxy: true,
    customProperties: [],
    tags: [],
  };
  const proxy: Entity = {
    ...bookkeeping('ProxyService', now),
    serverNodeConfiguration: node,
    settings: {
      id: randomUUID(),
      listenPort: 443,
      allowHttp: false,
      unencryptedListenPort: 80,
      authenticationListenPort: 4244,
      kerberosAuthentication: false,
      unencryptedAuthenticationListenPort: 4248,
      sslBrowserCertificateThumbprint: '',
      keepAliveTimeoutSeconds: 10,
      maxHeaderSizeBytes: 16384,
      maxHeaderLines: 100,
      restListenPort: 4243,
      virtualProxies: [
        { id: defaultVirtualProxy.id, prefix: '', description: 'Central Proxy (Default)', defaultVirtualProxy: true },
      ],
      formAuthenticationPageTemplate: '',
      loggedOutPageTemplate: '',
      errorPageTemplate: '',
      schemaPath: 'ProxyServiceSettings',
    },
    customProperties: [],
    tags: [],
  };
  return new Map<CollectionName, Entity[]>([
    ['user', users],
    ['systemrule', []],
    ['proxyservice', [proxy]],
    ['virtualproxyconfig', [defaultVirtualProxy]],
    ['license', []],
    ['license/professionalaccesstype', []],
    ['license/useraccesstype', []],
    ['license/professionalaccessgroup', []],
    ['license/useraccessgroup', []],
  ]);
}

export function userDefaults(): Entity {
  return {
    roles: [],
    attributes: [],
    customProperties: [],
    tags: [],
    inactive: false,
    removedExternally: false,
    blacklisted: false,
    deleteProhibited: false,
  };
}

/** Server-side fields QRS fills in on create (what a POST body may omit). */
export function createDefaults(collection: CollectionName): Entity {
  switch (collection) {
    case 'user':
      return userDefaults();
    case 'systemrule':
      return { type: 'Custom', ruleContext: 0, disabled: false, comment: '', seedId: '', version: 0, tags: [] };
    case 'license':
      return { product: 0, numberOfCores: -1, isExpired: false, expiredReason: '', isBlacklisted: false, isInvalid: false, lef: '', key: '', serial: '', name: '', organization: '' };
    case 'license/professionalaccesstype':
    case 'license/useraccesstype':
      return { lastUsed: '1753-01-01T00:00:00.000Z', quarantined: false, deleted: false };
    default:
      return {};
  }
}
