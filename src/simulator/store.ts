// In-memory resource store. ARM ids are case-insensitive, so entries are keyed by
// the lower-cased id while keeping the id as first written.

import type { SimResource } from './types.js';
import type { ArmBody } from './arm.js';

export interface StoredResource extends SimResource {
  subscriptionId: string;
  body: ArmBody;
  /** Simulator-only state that GET never returns (VM power state, Run Command execution). */
  internal?: Record<string, unknown>;
}

export class ResourceStore {
  private readonly byId = new Map<string, StoredResource>();

  get(id: string): StoredResource | undefined {
    return this.byId.get(id.toLowerCase());
  }

  put(resource: StoredResource): void {
    this.byId.set(resource.id.toLowerCase(), resource);
  }

  delete(id: string): boolean {
    return this.byId.delete(id.toLowerCase());
  }

  /** Removes the resource and every resource whose id lies beneath it (children, RG contents). */
  deleteTree(id: string): void {
    const prefix = `${id.toLowerCase()}/`;
    for (const key of [...this.byId.keys()]) {
      if (key === id.toLowerCase() || key.startsWith(prefix)) this.byId.delete(key);
    }
  }

  /** Resources of one type, optionally limited to a subscription and resource group. */
  list(type: string, subscriptionId?: string, resourceGroup?: string): StoredResource[] {
    return [...this.byId.values()].filter(
      (r) =>
        r.type.toLowerCase() === type.toLowerCase() &&
        (subscriptionId === undefined || r.subscriptionId.toLowerCase() === subscriptionId.toLowerCase()) &&
        (resourceGroup === undefined || r.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()),
    );
  }

  all(): StoredResource[] {
    return [...this.byId.values()];
  }
}
