/**
 * The step implementations, by guide number. Each phase module exports its steps; they load on demand,
 * so commands that never run a step (steps, plan --offline, --help) never import the Azure SDK.
 */
import type { StepImplementation, StepRegistry } from '../engine/step.js';

export type PhaseSteps = readonly (readonly [number, StepImplementation])[];

const PHASES: readonly (() => Promise<{ readonly steps: PhaseSteps }>)[] = [
  () => import('./azure/index.js'),
  () => import('./vm/index.js'),
  () => import('./qlik/index.js'),
];

export async function loadStepRegistry(): Promise<StepRegistry> {
  const phases = await Promise.all(PHASES.map((load) => load()));
  return new Map(phases.flatMap((phase) => phase.steps));
}
