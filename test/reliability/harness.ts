/**
 * One reliability trial: a deployment of steps 1-48 against the simulator with a fault profile and a seed,
 * run as `apply --simulate` runs it (the real steps, SDK clients, state store and simulated VM in this
 * process), resumed while it stops, then judged:
 *   - converged first time / converged on resume: every step done, a second apply without faults changes
 *     nothing, the resource group holds exactly the deployment's resources, and another team's group is as
 *     it was;
 *   - wrong: a stop without advice (no resumable message), no convergence within the resumes allowed, a
 *     run that does not end, a lost or extra resource, another team's data changed, or a state that says
 *     done where Azure disagrees (the second apply would change something).
 * Rerun with other seeds: QLIK_AZURE_RELIABILITY_SEED=<n> npx vitest run test/reliability
 */
import { describe, expect, it } from 'vitest';
import { awaitOperation, lroOptions } from '../../src/azure/arm-helpers.js';
import { runSummary } from '../../src/cli/summary.js';
import { RUNNABLE_STEPS } from '../../src/engine/catalogue.js';
import type { RunOutcome } from '../../src/engine/runner.js';
import { selectSteps } from '../../src/engine/selection.js';
import { FAULT_PROFILES, type Simulator } from '../../src/simulator/index.js';
import { EXPECTED_RESOURCES, resolveConfig, simulatorServices } from '../steps/support.js';
import { ALL_SECRETS, startVmWorld, VM_CONFIG, type VmWorld } from '../steps-vm/support.js';

export type Verdict = 'converged first time' | 'converged on resume' | 'wrong';

export interface Trial {
  readonly profile: string;
  readonly seed: number;
}

export interface TrialResult extends Trial {
  readonly verdict: Verdict;
  /** apply, then each resume. */
  readonly runs: number;
  /** What stopped each run that stopped, as "step N: Code". */
  readonly stops: readonly string[];
  readonly why?: string;
}

/** Resumes allowed before a trial that keeps stopping counts as wrong. */
const MAX_RESUMES = 4;
/** A run that has not ended by then is a hang. */
const RUN_LIMIT_MS = 60_000;
/** What a second apply, on a deployment that is done, may report for a step. */
const NO_CHANGE = new Set(['unchanged', 'checked', 'skip']);
/** The RDP file and the account table are local files, written again by every run: not Azure's side. */
const LOCAL_FILE_STEPS = new Set([35, 39]);

const OTHER_GROUP = 'rg-platform-team';
const OTHER_TAGS = { team: 'platform', costCenter: '4711' };
const OUR_GROUP = resolveConfig(VM_CONFIG).names.resourceGroup;

/** Another team's group and network in the same subscription (whose providers are therefore registered), made before the faults are switched on. */
async function otherTeamsWork(sim: Simulator): Promise<void> {
  const services = simulatorServices(sim);
  await (await services.resources()).resourceGroups.createOrUpdate(OTHER_GROUP, { location: 'westeurope', tags: OTHER_TAGS });
  const wait = { azure: services, signal: new AbortController().signal, progress: () => undefined };
  await awaitOperation(wait, 'vnet', (await services.network()).virtualNetworks.createOrUpdate(OTHER_GROUP, 'platform-vnet', { location: 'westeurope', addressSpace: { addressPrefixes: ['10.50.0.0/16'] } }, lroOptions(wait)));
}

function otherTeamsDamage(sim: Simulator): string | undefined {
  const theirs = sim.resources().filter((r) => r.resourceGroup === OTHER_GROUP).map((r) => `${r.type} ${r.name}`).sort();
  if (theirs.join() !== ['Microsoft.Network/virtualNetworks platform-vnet', `Microsoft.Resources/resourceGroups ${OTHER_GROUP}`].join()) return `another team's resources changed: ${theirs.join(', ')}`;
  const group = sim.resources().find((r) => r.name === OTHER_GROUP);
  if (JSON.stringify(group?.body.tags) !== JSON.stringify(OTHER_TAGS)) return `another team's tags changed: ${JSON.stringify(group?.body.tags)}`;
  return undefined;
}

function ourResourcesWrong(sim: Simulator): string | undefined {
  const ours = sim.resources().filter((r) => r.resourceGroup.toLowerCase() === OUR_GROUP.toLowerCase())
    .map((r) => (r.type === 'Microsoft.Storage/storageAccounts' ? r.type : `${r.type} ${r.name}`)).sort();
  const expected = [...EXPECTED_RESOURCES].sort();
  if (ours.join('\n') !== expected.join('\n')) return `resources in ${OUR_GROUP}: ${ours.join(', ')} (expected ${expected.join(', ')})`;
  const group = sim.resources().find((r) => r.name === OUR_GROUP);
  if ((group?.body.tags as Record<string, string> | undefined)?.['qlik-azure:deployment'] !== resolveConfig(VM_CONFIG).deployment) return `${OUR_GROUP} lost its deployment tag, so destroy would refuse it`;
  return undefined;
}

async function within<T>(work: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), ms); });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The stop as the CLI reports it: a summary that is not ok (exit code 1, and the resume line printed under
 * it) and that says to resume; a failure without advice of its own gets the summary's generic one.
 */
function unresumable(world: VmWorld, outcome: RunOutcome): string | undefined {
  const summary = runSummary(resolveConfig(VM_CONFIG), world.store, outcome, { simulated: true, stateDir: '.' });
  if (summary.ok) return 'the run stopped but its summary says ok';
  if (outcome.failed.length > 0 && !summary.next.some((line) => line.includes('resume'))) return 'the summary does not say to resume';
  return undefined;
}

/** Steps 1-48, then resumes (faults still on, their draws going on) until done or MAX_RESUMES. */
async function converge(world: VmWorld, stops: string[]): Promise<{ runs: number; why?: string }> {
  let steps = RUNNABLE_STEPS;
  for (let run = 1; run <= MAX_RESUMES + 1; run++) {
    const outcome = await within(world.run(steps), RUN_LIMIT_MS);
    if (outcome === 'hang') return { runs: run, why: `run ${run} did not end within ${RUN_LIMIT_MS / 1000} s` };
    if (outcome.failed.length === 0 && outcome.blocked.length === 0) return { runs: run };
    stops.push(...outcome.failed.map(({ step, error }) => `step ${step}: ${error.code ?? error.message.slice(0, 40)}`));
    const why = unresumable(world, outcome);
    if (why) return { runs: run, why };
    steps = selectSteps({ kind: 'unfinished' }, world.store);
  }
  return { runs: MAX_RESUMES + 1, why: `not converged after ${MAX_RESUMES} resumes` };
}

/** A second apply with the faults gone: what it would change is where the state and Azure disagree. */
async function disagreements(world: VmWorld): Promise<string | undefined> {
  const undone = RUNNABLE_STEPS.filter((entry) => world.entry(entry.number)?.status !== 'done').map((entry) => entry.number);
  if (undone.length > 0) return `steps ${undone.join(', ')} not done`;
  world.sim.clearFaults();
  const again = await within(world.run(RUNNABLE_STEPS), RUN_LIMIT_MS);
  if (again === 'hang') return 'the checking apply did not end';
  if (again.failed.length > 0) return `the checking apply failed at step ${again.failed[0]!.step}: ${again.failed[0]!.error.message}`;
  const changeOf = (step: number) => { const entry = world.entry(step); return entry?.status === 'done' ? entry.change : entry?.status; };
  const changed = RUNNABLE_STEPS.filter((entry) => !LOCAL_FILE_STEPS.has(entry.number) && !NO_CHANGE.has(String(changeOf(entry.number))));
  return changed.length > 0 ? `state said done, but a second apply changed steps ${changed.map((e) => `${e.number} (${changeOf(e.number)})`).join(', ')}` : undefined;
}

export async function runTrial(trial: Trial): Promise<TrialResult> {
  const rules = FAULT_PROFILES[trial.profile];
  if (!rules) throw new Error(`no fault profile ${trial.profile}`);
  const world = await startVmWorld(VM_CONFIG, {}, ALL_SECRETS, { seed: trial.seed, latencyScale: 0, registeredProviders: 'all' });
  const stops: string[] = [];
  try {
    await otherTeamsWork(world.sim);
    rules.forEach((rule) => world.sim.injectFault(rule));
    const { runs, why } = await converge(world, stops);
    const wrong = why ?? (await disagreements(world)) ?? ourResourcesWrong(world.sim) ?? otherTeamsDamage(world.sim);
    const verdict: Verdict = wrong ? 'wrong' : runs === 1 ? 'converged first time' : 'converged on resume';
    return { ...trial, verdict, runs, stops, ...(wrong ? { why: wrong } : {}) };
  } finally {
    // A run that did not end may still be writing its state as the directory goes.
    await world.close().catch(() => undefined);
  }
}

/** Runs trials `parallel` at a time (they mostly wait: on retries, polls and each other). */
export async function runTrials(trials: readonly Trial[], parallel: number): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(trials.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < trials.length; index = next++) results[index] = await runTrial(trials[index]!);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** The figures table: one row per profile and a total. */
export function figures(results: readonly TrialResult[]): string {
  const rows = new Map<string, TrialResult[]>();
  for (const result of results) rows.set(result.profile, [...(rows.get(result.profile) ?? []), result]);
  const count = (list: readonly TrialResult[], verdict: Verdict) => list.filter((r) => r.verdict === verdict).length;
  const line = (name: string, list: readonly TrialResult[]) => `| ${name} | ${list.length} | ${count(list, 'converged first time')} | ${count(list, 'converged on resume')} | ${count(list, 'wrong')} |`;
  return [
    '| fault profile | runs | converged first time | converged on resume | wrong |',
    '|---|---|---|---|---|',
    ...[...rows].map(([profile, list]) => line(`\`${profile}\``, list)),
    line('**total**', results),
  ].join('\n');
}

/**
 * One vitest case over `profiles` × SEEDS_PER_PROFILE seeds from QLIK_AZURE_RELIABILITY_SEED (default 1):
 * prints the figures table and fails on any wrong result, naming it. Two files share the profiles, so
 * vitest runs them on both cores.
 */
export function reliabilitySuite(profiles: readonly string[]): void {
  const seeds = 4;
  const base = Number(process.env.QLIK_AZURE_RELIABILITY_SEED ?? 1);
  describe('reliability: every fault a run can meet ends cleanly', () => {
    it(`${profiles.join(', ')} × ${seeds} seeds from ${base}: converged first time or on resume, zero wrong`, async () => {
      const trials: Trial[] = profiles.flatMap((profile) => Array.from({ length: seeds }, (_, i) => ({ profile, seed: base + i })));
      const results = await runTrials(trials, 10);
      console.log(`reliability from seed ${base}:\n${figures(results)}`);
      const wrong = results.filter((result) => result.verdict === 'wrong');
      expect(wrong.map((r) => `${r.profile} seed ${r.seed}: ${r.why} (stops: ${r.stops.join('; ')})`)).toEqual([]);
    }, 240_000);
  });
}
