/** `qlik-azure apply` and `qlik-azure resume`: plan, confirm, and walk the step graph. */
import { describeError } from '../../azure/errors.js';
import { secretValues, type Secrets } from '../../config/secrets.js';
import { buildPlan, summarisePlan } from '../../engine/planner.js';
import { JournalWriteFailure, runSteps, type RunOutcome } from '../../engine/runner.js';
import { findReplacements } from '../../engine/replacement.js';
import { adoptedSteps, selectSteps, type Selection } from '../../engine/selection.js';
import { StateStore } from '../../state/store.js';
import { stateBackend } from '../state-backend.js';
import { CANNOT_CONFIRM, confirmOrRefuse } from '../confirm.js';
import { EXIT } from '../exit-codes.js';
import { errorEvents, guarded } from '../failures.js';
import { exitCodeAfter, outputClosed } from '../closed-output.js';
import type { GlobalOptions, StepRangeOptions } from '../options.js';
import { createOutput, type Output } from '../output.js';
import { printPlan, runCounts } from '../plan-view.js';
import { replacementRefusal } from '../replacements.js';
import { createReporter, type Reporter } from '../reporter.js';
import { connectAzure, loadDeploymentConfig, loadSecrets, simulatorOnlySettings, stepContextFactory, type SecretsLoad } from '../session.js';
import { ConfigError, type ConfigIssue } from '../../config/errors.js';
import { printRunSummary, runSummary } from '../summary.js';
import { TOOL_VERSION } from '../version.js';
import type { ResolvedConfig } from '../../config/derive.js';
import { adoptExistingVm, EXISTING_VM_START } from '../../steps/vm/adopt.js';
import { counted } from '../../config/words.js';

/** The outcome of a run that found every selected step done: the summary keeps its documented shape. */
const NOTHING_RAN: RunOutcome = { finished: [], failed: [], blocked: [], notStarted: [], interrupted: false };

export interface ApplyOptions extends GlobalOptions, StepRangeOptions {
  generateSecrets?: boolean;
  existingVm?: string;
  concurrency: number;
  /** List every step in the plan, not only those that change something. */
  all?: boolean;
}

export function applyCommand(options: ApplyOptions): Promise<number> {
  const from = options.fromStep ?? (options.existingVm ? EXISTING_VM_START : undefined);
  return runDeployment(options, 'apply', from ? { kind: 'from', step: from } : { kind: 'all' });
}

/** --existing-vm: the Azure phase is recorded from what exists, before the steps are chosen. */
async function adoptExistingVmInto(store: StateStore, options: ApplyOptions, config: ResolvedConfig, output: Output, secrets: Secrets): Promise<void> {
  const azure = await connectAzure(options, config, { secretValues: secretValues(secrets), warn: (message) => output.warn(message) });
  try {
    const adopted = await adoptExistingVm({ azure: azure.services, config, journal: store }, options.existingVm!);
    if (!output.json) output.line(`Adopted VM ${adopted.vmId} (${adopted.address}): steps ${adopted.steps.join(', ')} recorded from Azure; the run starts at step ${EXISTING_VM_START}.`);
  } finally {
    await azure.close();
  }
}

export function resumeCommand(options: ApplyOptions): Promise<number> {
  return runDeployment(options, 'resume', { kind: 'unfinished' });
}

/**
 * First Ctrl-C (or the reader of the output leaving, closed-output.ts): stop scheduling and let in-flight
 * steps record. Second Ctrl-C: leave at once, after `abandon` dropped the lock and temporary files (the
 * state file on disk is always whole).
 */
function trapInterrupts(reporter: Reporter, inFlight: () => number[], resumeCommand: string, abandon: () => void): { stop: AbortController; hard: AbortController; release(): void } {
  const stop = new AbortController();
  const hard = new AbortController();
  const stopScheduling = () => {
    if (stop.signal.aborted) return false;
    stop.abort();
    reporter.event({ type: 'run-interrupting', inFlight: inFlight() });
    return true;
  };
  const onSignal = () => {
    if (stopScheduling()) return;
    hard.abort();
    reporter.stop();
    abandon();
    if (!outputClosed.aborted) process.stderr.write(`\nleft at once; the state file is consistent. Run \`${resumeCommand}\` to continue.\n`);
    process.exit(exitCodeAfter(EXIT.interrupted));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  outputClosed.addEventListener('abort', stopScheduling);
  return {
    stop,
    hard,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      outputClosed.removeEventListener('abort', stopScheduling);
    },
  };
}

/**
 * Config, secrets and --yes are checked together, so a run that cannot proceed names every missing
 * input in one message, before the lock, Azure or anything else is touched.
 */
async function loadInputs(options: ApplyOptions, output: Output, command: 'apply' | 'resume' | 'init'): Promise<{ config: ResolvedConfig; secretsLoad: SecretsLoad }> {
  const issues: ConfigIssue[] = [];
  const collect = (error: unknown) => {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues.map((issue) => (error.source && !issue.file ? { ...issue, file: error.source } : issue)));
  };
  const config = await loadDeploymentConfig(options).catch((error: unknown) => { collect(error); return undefined; });
  if (config) issues.push(...simulatorOnlySettings(config, options.simulate));
  const secretsLoad = config ? await loadSecrets(options, config, { takesGenerateSecrets: command !== 'resume' }).catch((error: unknown) => { collect(error); return undefined; }) : undefined;
  if (!options.yes && !output.interactive) issues.push(CANNOT_CONFIRM);
  if (issues.length > 0 || !config || !secretsLoad) throw new ConfigError(issues);
  return { config, secretsLoad };
}

export async function runDeployment(options: ApplyOptions, command: 'apply' | 'resume' | 'init', selection: Selection, preloaded?: { output?: Output }): Promise<number> {
  const output = preloaded?.output ?? createOutput(options);
  return guarded(output, async () => {
    const { config, secretsLoad } = await loadInputs(options, output, command);
    const store = await StateStore.open({ backend: await stateBackend(options, config.deployment, config, secretsLoad.secrets), deployment: config.deployment, command, toolVersion: TOOL_VERSION, simulated: Boolean(options.simulate), secretValues: secretValues(secretsLoad.secrets) });
    // From the moment the lock is held, Ctrl-C (and a closed output) release it whatever happens next.
    const reporter = await createReporter(output);
    const running = new Set<number>();
    const interrupts = trapInterrupts(reporter, () => [...running], output.resumeCommand, () => store.abandon());
    try {
      if (store.lock.staleTakenOver && !output.json) output.warn(`took over a stale lock left by pid ${store.lock.staleTakenOver.pid} (${store.lock.staleTakenOver.command}), which is no longer running`);
      // Before Azure is contacted: a renamed resource group must not start a second deployment beside the first.
      const replacements = findReplacements(store.state.config, config, store);
      if (replacements.length > 0) throw replacementRefusal(output, replacements, config);
      if (options.existingVm && command !== 'resume') await adoptExistingVmInto(store, options, config, output, secretsLoad.secrets);
      const steps = selectSteps(selection, store, { toStep: options.toStep });
      const interrupted = steps.filter((entry) => store.entry(entry.number)?.status === 'running');
      if (interrupted.length > 0 && !output.json) {
        output.warn(`step${interrupted.length > 1 ? 's' : ''} ${interrupted.map((e) => e.number).join(', ')} were in flight when the last run stopped; they run again and adopt what Azure finished`);
      }
      if (steps.length === 0) {
        if (output.json) reporter.event({ type: 'summary', ...runSummary(config, store, NOTHING_RAN, { simulated: Boolean(options.simulate), stateDir: options.stateDir }) });
        else output.line(`Nothing to do: every step of '${config.deployment}' is done. 'qlik-azure apply' re-checks everything.`);
        return EXIT.ok;
      }
      const azure = await connectAzure(options, config, { secretValues: secretValues(secretsLoad.secrets), warn: (message) => output.warn(message) });
      try {
        if (azure.simulated && !output.json) output.line(output.style.yellow('SIMULATION: talking to a local Azure simulator; nothing real is created.'));
        const { loadStepRegistry } = await import('../../steps/index.js');
        const registry = await loadStepRegistry();
        const contextFor = stepContextFactory({
          config,
          secrets: secretsLoad.secrets,
          azure: azure.services,
          journal: store,
          artifacts: { write: (name, content) => store.backend.writeArtifact(name, content) },
          signal: interrupts.hard.signal,
          progress: (step, message) => reporter.event({ type: 'step-progress', step, message }),
          note: (step, message) => reporter.event({ type: 'step-note', step, message }),
        });
        try {
          let question = `Apply ${counted(steps.length, 'step')} to '${config.deployment}'?`;
          // A person sees the plan of apply and init; a program sees the plan of every run, as its first event.
          if (command !== 'resume' || output.json) {
            if (!azure.simulated && !output.json) output.line(output.style.dim(`Reading what exists in Azure to plan ${counted(steps.length, 'step')}...`));
            const lines = await buildPlan({ selected: steps, registry, contextFor, describeError: (error) => describeError(error).message, adopted: adoptedSteps(store) });
            const summary = summarisePlan(lines);
            if (output.json) {
              reporter.event({ type: 'plan', deployment: config.deployment, simulated: azure.simulated, steps: lines, summary });
            } else {
              printPlan(output, lines, summary, `Plan for '${config.deployment}'${azure.simulated ? ' (simulated)' : ''}`, { all: options.all });
              // Steps the journal lacks still run, even unchanged: they record the outputs later steps read.
              if (!summary.hasChanges && steps.every((entry) => store.entry(entry.number)?.status === 'done')) return EXIT.ok;
              question = `Apply ${counted(steps.length, 'step')} to '${config.deployment}' (${runCounts(summary)})?`;
            }
          }
          if (!(await confirmOrRefuse(output, options, question))) {
            output.line('Nothing changed.');
            return EXIT.ok;
          }
          // Stopped while planning (Ctrl-C, or the reader left): nothing has changed, so nothing starts.
          if (interrupts.stop.signal.aborted) return EXIT.interrupted;
          await secretsLoad.saveGenerated();
          if (secretsLoad.generatedInto && !output.json) {
            output.line(`Generated ${secretsLoad.generated.join(', ')} into ${secretsLoad.generatedInto} (mode 0600). Keep that file private.`);
          }
          await store.recordConfig(config, TOOL_VERSION);
          reporter.event({ type: 'run-started', command, deployment: config.deployment, steps: steps.map((e) => e.number), simulated: azure.simulated });
          let stateNotWritten = false;
          const { prepareSubscription } = await import('../../steps/subscription-readiness.js');
          await prepareSubscription({
            azure: azure.services,
            steps: steps.map((e) => e.number),
            location: config.location,
            registerProviders: options.registerProviders !== false && config.azure.registerProviders,
            progress: (message) => reporter.event({ type: 'subscription', message }),
            signal: interrupts.hard.signal,
          });
          const outcome: RunOutcome = await runSteps({
            steps,
            registry,
            journal: store,
            contextFor,
            concurrency: options.concurrency ?? 6,
            stopScheduling: interrupts.stop.signal,
            describeError,
            events: (event) => {
              if (event.type === 'step-started') running.add(event.step);
              if (event.type === 'step-finished' || event.type === 'step-failed') running.delete(event.step);
              reporter.event(event);
            },
          }).catch((error: unknown) => {
            if (!(error instanceof JournalWriteFailure)) throw error;
            // The state on disk is the last whole write; the run stopped like an interrupted one and resumes the same way.
            reporter.stop();
            if (output.json) for (const event of errorEvents(error, output.resumeCommand)) output.data(event);
            else output.error(`the run stopped: ${error.message}`);
            stateNotWritten = true;
            return { ...error.outcome, interrupted: true };
          });
          reporter.stop();
          const summary = runSummary(config, store, outcome, { simulated: azure.simulated, stateDir: options.stateDir });
          if (output.json) reporter.event({ type: 'summary', ...summary });
          else printRunSummary(output, summary);
          if (outcome.failed.length > 0 || outcome.blocked.length > 0 || stateNotWritten) return EXIT.failed;
          return outcome.interrupted ? EXIT.interrupted : EXIT.ok;
        } finally {
          reporter.stop();
        }
      } finally {
        await azure.close();
      }
    } finally {
      interrupts.release();
      await store.close();
    }
  });
}
