/**
 * Renders a run's events three ways: an ora spinner on a terminal (one persisted line per finished
 * step, the spinner naming what is in flight with elapsed time and what Azure last said), plain
 * timestamped lines without one, or versioned NDJSON with --json.
 *
 * ## The --json event stream (version 1)
 *
 * One JSON object per line on stdout; nothing else is written to stdout. Every object has
 * `v` (stream version, 1), `at` (ISO-8601 time) and `type`. Readers must ignore unknown fields; a
 * field is never removed or changes meaning without `v` changing.
 *
 * | type | when | fields |
 * |---|---|---|
 * | `plan` | `--json` only, before the run: what each guide step would do (the rows of `plan --json`) | `deployment`, `simulated`, `steps`, `summary` |
 * | `run-started` | the run begins, after confirmation | `command` (apply, resume, init), `deployment`, `steps` (guide numbers to run), `simulated` |
 * | `subscription` | before the first write: a resource provider is being registered with the subscription, or has been | `message` |
 * | `step-started` | a step begins | `step`, `title` |
 * | `step-progress` | a long step reports what Azure says: provisioning state, Run Command execution state, installer phase | `step`, `message` |
 * | `step-note` | a step records something the user should know (a deviation from the guide, an adopted resource) | `step`, `message` |
 * | `step-finished` | a step succeeded | `step`, `change` (create, update, unchanged, skip, check), `outputs`, `durationMs` |
 * | `step-failed` | a step failed | `step`, `error` {`message`, `code`? (Azure's error code), `advice`?}, `durationMs` |
 * | `step-blocked` | a step will not run because a step it needs failed | `step`, `blockedBy` |
 * | `run-interrupting` | first Ctrl-C: nothing new starts, steps in flight finish | `inFlight` (steps) |
 * | `summary` | last line of a run | `ok`, `deployment`, `finished`, `failed`, `blocked`, `notStarted`, `hubUrl`?, `qmcUrl`?, `qlikAdministrator`, `accounts`, `secrets` (names only), `secretsLiveIn`, `accountTable`?, `rdpFile`?, `next`, `resumeCommand` (when not ok) |
 * | `summary` (nothing to do) | apply/resume found every step done | as `summary`, with `finished` empty |
 * | `summary` (destroy) | after `destroy --json` | `deployment`, `deleted`, `resourceGroup` or `reason` |
 * | `error` | the command stopped before or around the run (bad input, lock held); one per problem | `exitCode`, `code`, `field`?, `file`?, `message`, `fix`?, `resumeCommand`? |
 *
 * Secrets never appear in any event. The exit code says how the run ended (README, "Exit codes").
 */
import type { Ora } from 'ora';
import { catalogueEntry, type StepNumber } from '../engine/catalogue.js';
import type { EngineEvent } from '../engine/events.js';
import type { PlanLine, PlanSummary } from '../engine/planner.js';
import type { Output } from './output.js';
import { forInvocation, type RunSummary } from './summary.js';
import { counted } from '../config/words.js';

export const EVENT_STREAM_VERSION = 1;

/** Events of the run itself, beside the engine's step events. */
export type RunEvent =
  | { readonly type: 'plan'; readonly deployment: string; readonly simulated: boolean; readonly steps: readonly PlanLine[]; readonly summary: PlanSummary }
  | { readonly type: 'run-started'; readonly command: 'apply' | 'resume' | 'init'; readonly deployment: string; readonly steps: readonly StepNumber[]; readonly simulated: boolean }
  | { readonly type: 'run-interrupting'; readonly inFlight: readonly StepNumber[] }
  | { readonly type: 'subscription'; readonly message: string }
  | { readonly type: 'summary'; readonly [key: string]: unknown };

export interface Reporter {
  event(event: EngineEvent | RunEvent): void;
  /** Stops animation so a final text block can be printed. */
  stop(): void;
}

function elapsed(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

const CHANGE_WORDS: Record<string, string> = { create: 'created', update: 'updated', unchanged: 'unchanged', skip: 'nothing to do', check: 'checked' };

const stepName = (step: StepNumber) => `${String(step).padStart(2)} ${catalogueEntry(step).title}`;

function describeFinished(event: Extract<EngineEvent, { type: 'step-finished' }>): string {
  return `${CHANGE_WORDS[event.change] ?? event.change} (${elapsed(event.durationMs)})`;
}

function describeFailure(event: Extract<EngineEvent, { type: 'step-failed' }>): string {
  return `failed after ${elapsed(event.durationMs)}${event.error.code ? ` (Azure: ${event.error.code})` : ''}: ${event.error.message}`;
}

/**
 * What the run has done so far, so the first Ctrl-C can say exactly what is in flight and what
 * `resume` will do.
 */
class RunProgress {
  private planned: readonly StepNumber[] = [];
  private readonly ended = new Set<StepNumber>();

  observe(event: EngineEvent | RunEvent): void {
    if (event.type === 'run-started') this.planned = event.steps;
    if (event.type === 'step-finished' || event.type === 'step-failed' || event.type === 'step-blocked') this.ended.add(event.step);
  }

  get count(): string {
    return `${this.ended.size}/${this.planned.length}`;
  }

  interruptMessage(inFlight: readonly StepNumber[], resumeCommand: string): string[] {
    const waiting = this.planned.filter((step) => !this.ended.has(step) && !inFlight.includes(step));
    const lines = inFlight.length > 0
      ? [`Stopping: nothing new starts; waiting for ${inFlight.map((step) => `${step} ${catalogueEntry(step).title}`).join(', ')} to finish and be recorded.`]
      : ['Stopping: nothing new starts; a step that was just starting finishes and is recorded.'];
    const rest = waiting.length > 0 ? `runs the ${waiting.length} step${waiting.length === 1 ? '' : 's'} not started (${waiting.join(', ')})` : 'finishes the run';
    lines.push(`Later, \`${resumeCommand}\` ${inFlight.length > 0 ? 're-checks what was in flight, adopts what Azure finished, and ' : ''}${rest}.`);
    lines.push('Press Ctrl-C again to leave at once: Azure finishes what it started either way, and the state file stays consistent.');
    return lines;
  }
}

/**
 * Where a VM script's full output is kept (src/azure/run-command.ts) is worth knowing only when looking
 * into something: a failure's message names it anyway, so people see it with --verbose. The JSON stream
 * keeps every note.
 */
const LOG_LOCATION_NOTE = /^full output of \S+ goes to /;

function worthShowing(output: Output, message: string): boolean {
  return output.verbose || !LOG_LOCATION_NOTE.test(message);
}

export async function createReporter(output: Output): Promise<Reporter> {
  if (output.json) return jsonReporter(output);
  if (output.interactive) return spinnerReporter(output, (await import('ora')).default);
  return plainReporter(output);
}

function jsonReporter(output: Output): Reporter {
  return {
    event(event) {
      const record = event.type === 'summary' ? { ...forInvocation(event as unknown as RunSummary, output), type: 'summary' } : event;
      output.data({ v: EVENT_STREAM_VERSION, at: new Date().toISOString(), ...record });
    },
    stop: () => undefined,
  };
}

function plainReporter(output: Output): Reporter {
  const started = Date.now();
  const run = new RunProgress();
  const lastProgress = new Map<StepNumber, string>();
  const { style } = output;
  const say = (text: string) => output.line(`${style.dim(`[${elapsed(Date.now() - started).padStart(6)}]`)} ${text}`);
  return {
    event(event) {
      run.observe(event);
      switch (event.type) {
        case 'run-started':
          say(`${event.command} '${event.deployment}': ${counted(event.steps.length, 'step')}`);
          break;
        case 'subscription':
          say(event.message);
          break;
        case 'step-started':
          say(`${stepName(event.step)}: started`);
          break;
        case 'step-progress':
          // Pollers repeat themselves; a log line per poll would bury the news.
          if (lastProgress.get(event.step) === event.message) return;
          lastProgress.set(event.step, event.message);
          say(`${stepName(event.step)}: ${event.message}`);
          break;
        case 'step-note':
          if (worthShowing(output, event.message)) say(`${stepName(event.step)}: ${style.yellow('note')} ${event.message}`);
          break;
        case 'step-finished':
          say(`${stepName(event.step)}: ${style.green(describeFinished(event))} [${run.count}]`);
          break;
        case 'step-failed':
          say(`${stepName(event.step)}: ${style.red(describeFailure(event))}`);
          break;
        case 'step-blocked':
          say(`${stepName(event.step)}: not run, step ${event.blockedBy} failed`);
          break;
        case 'run-interrupting':
          for (const line of run.interruptMessage(event.inFlight, output.resumeCommand)) say(line);
          break;
        default:
          break;
      }
    },
    stop: () => undefined,
  };
}

/** Keeps the spinner on one terminal row: a wrapped spinner line leaves debris on every frame. */
function fitToTerminal(text: string): string {
  const width = (process.stdout.columns ?? 80) - 3;
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function spinnerReporter(output: Output, ora: (options: object) => Ora): Reporter {
  const inFlight = new Map<StepNumber, { since: number; message: string }>();
  const run = new RunProgress();
  const { style } = output;
  const spinner = ora({ text: 'starting', stream: process.stdout, discardStdin: false, color: style.enabled ? 'cyan' : false });
  // Plain text goes to fitToTerminal, colour after, so escape codes never count towards the width.
  const render = () => {
    const parts = [...inFlight].map(([step, state]) => `${step} ${catalogueEntry(step).title} ${elapsed(Date.now() - state.since)}${state.message ? ` · ${state.message}` : ''}`);
    spinner.text = fitToTerminal(`[${run.count}] ${parts.join('  |  ') || 'waiting'}`);
  };
  const ticker = setInterval(render, 1000);
  ticker.unref();
  const persist = (symbol: string, text: string) => {
    spinner.stopAndPersist({ symbol, text });
    if (inFlight.size > 0) {
      render();
      spinner.start();
    }
  };
  return {
    event(event) {
      run.observe(event);
      switch (event.type) {
        case 'run-started':
          output.line(style.bold(`${event.command === 'resume' ? 'Resuming' : 'Applying'} '${event.deployment}': ${counted(event.steps.length, 'step')}`));
          break;
        case 'subscription':
          persist(style.cyan('i'), event.message);
          break;
        case 'step-started':
          inFlight.set(event.step, { since: Date.now(), message: '' });
          render();
          if (!spinner.isSpinning) spinner.start();
          break;
        case 'step-progress': {
          const state = inFlight.get(event.step);
          if (state) state.message = event.message;
          render();
          break;
        }
        case 'step-note':
          // Notes are asides (a deviation from the guide, where logs go); dimmed so the step lines stay the story.
          if (worthShowing(output, event.message)) persist(style.yellow('!'), style.dim(`${stepName(event.step)}: ${event.message}`));
          break;
        case 'step-finished':
          inFlight.delete(event.step);
          persist(style.green('✔'), `${stepName(event.step)} ${style.dim(describeFinished(event))}`);
          break;
        case 'step-failed':
          inFlight.delete(event.step);
          persist(style.red('✖'), `${stepName(event.step)} ${style.red(describeFailure(event))}`);
          break;
        case 'step-blocked':
          persist(style.dim('-'), style.dim(`${stepName(event.step)}: not run, step ${event.blockedBy} failed`));
          break;
        case 'run-interrupting':
          persist(style.yellow('!'), run.interruptMessage(event.inFlight, output.resumeCommand).join('\n  '));
          break;
        default:
          break;
      }
    },
    stop() {
      clearInterval(ticker);
      if (spinner.isSpinning) spinner.stop();
    },
  };
}
