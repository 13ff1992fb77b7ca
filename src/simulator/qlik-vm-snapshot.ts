// The simulated Windows machines as JSON and back. Encoded generically (Map and Set tagged), so a
// field added to FakeMachine is kept without a change here. Nothing derived from a secret is kept
// (withoutSecrets): a restored machine takes the passwords it is sent to be the ones it had.

import { withoutSecrets, type FakeMachine } from './qlik-vm.js';

/** Machine state by VM name, as JSON. */
export type QlikVmSnapshot = Record<string, unknown>;

function encode(value: unknown): unknown {
  if (value instanceof Map) return { $map: [...value].map(([key, inner]) => [key, encode(inner)]) };
  if (value instanceof Set) return { $set: [...value].map(encode) };
  if (Array.isArray(value)) return value.map(encode);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, encode(inner)]));
  return value;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const tagged = value as { $map?: [unknown, unknown][]; $set?: unknown[] };
  if (Array.isArray(tagged.$map)) return new Map(tagged.$map.map(([key, inner]) => [key, decode(inner)]));
  if (Array.isArray(tagged.$set)) return new Set(tagged.$set.map(decode));
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, decode(inner)]));
}

/** Only machines whose VM `keep` accepts: a deleted VM's disk is gone, so a VM of that name later starts blank. */
export function snapshotMachines(machines: ReadonlyMap<string, FakeMachine>, keep: (vmName: string) => boolean): QlikVmSnapshot {
  return Object.fromEntries([...machines].filter(([vmName]) => keep(vmName)).map(([vmName, machine]) => [vmName, encode(withoutSecrets(machine))]));
}

export function restoreMachines(snapshot: QlikVmSnapshot): Map<string, FakeMachine> {
  return new Map(Object.entries(snapshot).map(([vmName, machine]) => [vmName, decode(machine) as FakeMachine]));
}

/** What is wrong with machines read from a file (empty when they can be restored). */
export function machinesProblems(value: unknown): string[] {
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(value)) return ['machines is not an object of machines by VM name'];
  return Object.entries(value as Record<string, unknown>).filter(([, machine]) => !isObject(machine)).map(([name]) => `machines.${name} is not a machine`);
}
