// Maps a /qrs/... request onto the store, the way the Repository Service lays out its REST API:
// /qrs/<collection>[/full|/count|/<id>], plus the singletons /qrs/about, /qrs/license and
// /qrs/proxyservice/local.
import { aboutEntity, collectionSchemas, type CollectionName } from './entities.js';
import type { Entity } from './filter.js';
import type { QrsReply, QrsStore } from './store.js';

export interface QrsRequest {
  method: string;
  /** Path below /qrs/, lower-cased (QRS paths are case-insensitive). */
  resource: string;
  query: URLSearchParams;
  body: unknown;
}

export interface RoutedReply extends QrsReply {
  /** The entity a GET by id returned (what a read-modify-write starts with), so the server can
   * simulate someone editing it before the PUT. */
  touched?: { collection: CollectionName; id: string };
}

const collections = (Object.keys(collectionSchemas) as CollectionName[]).sort((a, b) => b.length - a.length);
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function routeQrs(store: QrsStore, request: QrsRequest): RoutedReply {
  const { method, resource, query } = request;
  if (resource === 'about' && method === 'GET') return { status: 200, body: aboutEntity() };
  if (resource === 'license' && method === 'GET') return currentLicense(store);
  if (resource === 'proxyservice/local' && method === 'GET') return localProxy(store);

  const collection = collections.find((name) => resource === name || resource.startsWith(`${name}/`));
  if (!collection) return { status: 404, body: `No such resource: /qrs/${resource}` };
  const rest = resource.slice(collection.length + 1);
  const body = (request.body ?? {}) as Entity;

  if (rest === '' || rest === 'full') {
    if (method === 'GET') return store.list(collection, query.get('filter'));
    if (method === 'POST') return store.create(collection, body, query);
  }
  if (rest === 'count' && method === 'GET') {
    const listed = store.list(collection, query.get('filter'));
    return listed.status === 200 ? { status: 200, body: { value: (listed.body as Entity[]).length } } : listed;
  }
  if (guid.test(rest)) {
    if (method === 'GET') return { ...store.get(collection, rest), touched: { collection, id: rest } };
    if (method === 'PUT') return store.replace(collection, rest, body, query);
    if (method === 'DELETE') return store.remove(collection, rest);
  }
  return { status: 405, body: `${method} is not supported on /qrs/${resource}` };
}

// QRS answers GET /qrs/license with the literal JSON null when no license is set.
function currentLicense(store: QrsStore): QrsReply {
  const [license] = store.list('license', null).body as Entity[];
  return { status: 200, body: license ?? null };
}

function localProxy(store: QrsStore): QrsReply {
  const [proxy] = store.list('proxyservice', null).body as Entity[];
  return proxy ? { status: 200, body: proxy } : { status: 404, body: 'No local proxy service' };
}
