// A simulator's world as JSON, so that a later simulator (another CLI process) goes on from it:
// resources with their simulator-only state, committed blobs, ended operations and where the id and
// fault streams stand (so a resume meets the faults that come next, not the same ones again). The fault
// rules, the request log and the Run Command executor belong to one run and stay out.

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
  /** The seed of the fault stream and where it stands; a simulator started with another seed starts that one's stream. */
  faultSeed?: number;
  faultRandomPosition?: number;
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
    faultSeed: state.faults.seed,
    faultRandomPosition: state.faults.position(),
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What is wrong with a snapshot read from a file (empty when it can be restored); checked before any server starts. */
export function snapshotProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['simulator is not an object'];
  const problems: string[] = [];
  if (typeof value.baseUrl !== 'string' || !URL.canParse(value.baseUrl) || new URL(value.baseUrl).protocol !== 'https:') problems.push('simulator.baseUrl is not an https:// URL');
  for (const field of ['randomPosition', 'faultSeed', 'faultRandomPosition'] as const) {
    const optional = field !== 'randomPosition';
    if ((value[field] !== undefined || !optional) && !(Number.isInteger(value[field]) && (value[field] as number) >= 0)) problems.push(`simulator.${field} is not a whole number`);
  }
  if (!Array.isArray(value.resources)) problems.push('simulator.resources is not a list');
  else value.resources.forEach((resource: unknown, index) => {
    const ok = isRecord(resource) && ['id', 'type', 'name', 'resourceGroup', 'subscriptionId'].every((key) => typeof resource[key] === 'string') && isRecord(resource.body);
    if (!ok) problems.push(`simulator.resources[${index}] is not a resource (id, type, name, resourceGroup, subscriptionId, body)`);
  });
  if (!Array.isArray(value.operations) || !value.operations.every((operation) => isRecord(operation) && typeof operation.id === 'string')) problems.push('simulator.operations is not a list of operations');
  const blobs = value.blobs;
  if (!isRecord(blobs) || !Number.isInteger(blobs.etagCounter) || !isRecord(blobs.accounts)) problems.push('simulator.blobs is not a blob store (etagCounter, accounts)');
  return problems;
}
