// In-memory repository: collections of entities with QRS's optimistic concurrency rule
// (a PUT carrying an older modifiedDate than the stored one is a 409 Conflict). Replies carry
// copies, so later changes never alter an answer already given.
import { bookkeeping, collectionSchemas, createDefaults, seedCollections, type CollectionName } from './entities.js';
import { parseQrsFilter, type Entity, type EntityPredicate } from './filter.js';

export interface QrsReply {
  status: number;
  body?: unknown;
}

export class QrsStore {
  private collections: Map<CollectionName, Entity[]>;
  private lastStamp = 0;

  constructor() {
    this.collections = seedCollections(this.stamp());
  }

  reset(): void {
    this.collections = seedCollections(this.stamp());
  }

  snapshot(): Record<string, Entity[]> {
    return structuredClone(Object.fromEntries(this.collections));
  }

  list(collection: CollectionName, filter: string | null): QrsReply {
    let matches: EntityPredicate;
    try {
      matches = parseQrsFilter(filter);
    } catch (error) {
      return { status: 400, body: (error as Error).message };
    }
    return { status: 200, body: structuredClone(this.items(collection).filter(matches)) };
  }

  get(collection: CollectionName, id: string): QrsReply {
    const entity = this.find(collection, id);
    return entity ? { status: 200, body: structuredClone(entity) } : notFound(collection, id);
  }

  create(collection: CollectionName, body: Entity, query: URLSearchParams): QrsReply {
    const invalid = this.validateCreate(collection, body, query);
    if (invalid) return { status: 400, body: invalid };
    const entity: Entity = {
      ...createDefaults(collection),
      ...body,
      ...bookkeeping(collectionSchemas[collection], this.stamp()),
    };
    if (isAccessType(collection)) entity['user'] = this.condensedUser(userIdOf(body));
    this.items(collection).push(entity);
    return { status: 201, body: structuredClone(entity) };
  }

  replace(collection: CollectionName, id: string, body: Entity, query: URLSearchParams): QrsReply {
    if (collection === 'license') {
      const problem = licenseProblem(body, query);
      if (problem) return { status: 400, body: problem };
    }
    const items = this.items(collection);
    const index = items.findIndex((entity) => entity['id'] === id);
    const stored = items[index];
    if (!stored) return notFound(collection, id);
    if (typeof body['modifiedDate'] !== 'string') return { status: 400, body: 'modifiedDate is required on update' };
    if (Date.parse(body['modifiedDate']) < Date.parse(String(stored['modifiedDate']))) {
      return { status: 409, body: 'Conflict: the entity was modified after the given modifiedDate' };
    }
    // Like QRS, properties the PUT leaves out fall back to their defaults.
    const updated = { ...createDefaults(collection), ...body, id, createdDate: stored['createdDate'], schemaPath: stored['schemaPath'], modifiedDate: this.stamp() };
    items[index] = updated;
    return { status: 200, body: structuredClone(updated) };
  }

  remove(collection: CollectionName, id: string): QrsReply {
    const items = this.items(collection);
    const index = items.findIndex((entity) => entity['id'] === id);
    if (index < 0) return notFound(collection, id);
    items.splice(index, 1);
    return { status: 204 };
  }

  /** Simulates someone editing the entity in the QMC: only its modifiedDate moves on. */
  touch(collection: CollectionName, id: string): void {
    const entity = this.find(collection, id);
    if (entity) entity['modifiedDate'] = this.stamp();
  }

  private validateCreate(collection: CollectionName, body: Entity, query: URLSearchParams): string | undefined {
    switch (collection) {
      case 'license':
        if (this.items('license').length > 0) return 'A license already exists; update it with PUT';
        return licenseProblem(body, query);
      case 'user':
        if (!body['userId'] || !body['userDirectory']) return 'userId and userDirectory are required';
        if (this.items('user').some((user) => sameUser(user, body))) return 'A user with this userId and userDirectory already exists';
        return undefined;
      case 'systemrule':
        if (['name', 'rule', 'resourceFilter', 'category'].some((field) => !body[field])) return 'name, rule, resourceFilter and category are required';
        return undefined;
      case 'license/professionalaccessgroup':
      case 'license/useraccessgroup':
        return body['name'] ? undefined : 'name is required';
      case 'license/professionalaccesstype':
      case 'license/useraccesstype': {
        const userId = userIdOf(body);
        if (!this.find('user', userId)) return `Cannot allocate access: no user with id ${userId}`;
        const taken = this.items(collection).some((access) => userIdOf(access) === userId);
        return taken ? 'The user already has this access type' : undefined;
      }
      default:
        return undefined;
    }
  }

  private condensedUser(id: string): Entity {
    const user = this.find('user', id) ?? {};
    return { id, userId: user['userId'], userDirectory: user['userDirectory'], name: user['name'], privileges: null };
  }

  private find(collection: CollectionName, id: string): Entity | undefined {
    return this.items(collection).find((entity) => entity['id'] === id);
  }

  private items(collection: CollectionName): Entity[] {
    const items = this.collections.get(collection);
    if (!items) throw new Error(`unknown collection ${collection}`);
    return items;
  }

  // Strictly increasing timestamps, so two writes in the same millisecond still order.
  private stamp(): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }
}

// Signed keys are JWT-shaped; serials have 16 digits and control numbers 5. Like some real error
// messages, the answer quotes what was sent — the scripts must keep it out of their output.
function licenseProblem(body: Entity, query: URLSearchParams): string | undefined {
  const key = body['key'];
  if (typeof key === 'string' && key !== '') {
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(key) ? undefined : `Invalid license key: ${key}`;
  }
  const serial = String(body['serial'] ?? '');
  const control = query.get('control') ?? '';
  if (!/^\d{16}$/.test(serial) || !/^\d{5}$/.test(control)) return `Invalid serial ${serial} or control number ${control}`;
  return undefined;
}

function notFound(collection: string, id: string): QrsReply {
  return { status: 404, body: `No ${collection} with id ${id}` };
}

function isAccessType(collection: CollectionName): boolean {
  return collection === 'license/professionalaccesstype' || collection === 'license/useraccesstype';
}

function userIdOf(entity: Entity): string {
  const user = entity['user'];
  return user !== null && typeof user === 'object' ? String((user as Entity)['id'] ?? '') : '';
}

function sameUser(a: Entity, b: Entity): boolean {
  const lower = (value: unknown) => String(value).toLowerCase();
  return lower(a['userId']) === lower(b['userId']) && lower(a['userDirectory']) === lower(b['userDirectory']);
}
