// A simulator's world as JSON, so that a later simulator (another CLI process) goes on from it:
// resources with their simulator-only state, committed blobs, ended operations and where the id
// stream stands. Faults, the request log and the Run Command executor belong to one run and stay out.

import type { BlobStoreSnapshot } from './blob.js';
import type { SimState } from './context.js';
import type { EndedOperation } from './lro.js';
import { cancelOrphanedExecutions } from './resources/run-commands.js';
import type { StoredResource } from './store.js';
import type { ProviderRegistrations } from './resources/providers.js';

export interface SimulatorSnapshot {
  /** The URL of the simulator that took it: endpoints in resource bodies carry its port, and a restore rewrites them. */
  baseUrl: string;
  randomPosition: number;
  resources: StoredResource[];
  operations: EndedOperation[];
  blobs: BlobStoreSnapshot;
  /** Namespaces each subscription registered; absent in worlds saved before registration was simulated. */
  providerRegistrations?: ProviderRegistrations;
}

/** Ends the operations whose work is done first, so that what the snapshot holds is finished. */
export function takeSnapshot(state: SimState): SimulatorSnapshot {
  state.operations.settleFinishedWork();
  return structuredClone({
    baseUrl: state.baseUrl,
    randomPosition: state.random.position(),
    resources: state.store.all(),
    operations: state.operations.endedOperations(),
    blobs: state.blobs.snapshot(),
    providerRegistrations: state.providers.snapshot(),
  });
}

/** Loads a snapshot into a freshly started simulator's state (its baseUrl already set; startSimulator resumes the id stream). */
export function restoreSnapshot(state: SimState, snapshot: SimulatorSnapshot): void {
  // Blob endpoints (storage account bodies, Run Command output URIs) name the old port.
  const rehomed = JSON.parse(JSON.stringify({ resources: snapshot.resources, operations: snapshot.operations }).replaceAll(snapshot.baseUrl, state.baseUrl)) as Pick<SimulatorSnapshot, 'resources' | 'operations'>;
  cancelOrphanedExecutions(rehomed.resources);
  for (const resource of rehomed.resources) state.store.put(resource);
  state.operations.restoreEnded(rehomed.operations);
  state.blobs.restore(snapshot.blobs);
  if (snapshot.providerRegistrations) state.providers.restore(snapshot.providerRegistrations);
}
