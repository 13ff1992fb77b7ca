/**
 * Renders engine events three ways: an ora spinner on a terminal (one line per finished step, the
 * spinner naming what is in flight), plain timestamped lines without one, or versioned NDJSON with --json.
 */
import type { Ora } from 'ora';
import { catalogueEntry, type StepNumber } from '../engine/catalogue.js';
import type { EngineEvent } from '../engine/events.js';
import type { Output } from './output.js';

export const EVENT_STREAM_VERSION = 1;

/** Events of the run itself, beside the engine's step events. */
export type RunEvent =
  | { readonly type: 'run-started'; readonly command: string; readonly deployment: string; readonly steps: readonly StepNumber[]; readonly simulated: boolean }
  | { readonly type: 'run-interrupting'; readonly inFlight: readonly StepNumber[] }
  | { readonly type: 'summary'; readonly [key: string]: unknown };

export interface Reporter {
  event(event: EngineEvent | RunEvent): void;
  /** Stops animation so a final text block can be printed. */
  stop(): void;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

const CHANGE_WORDS: Record<string, string> = { create: 'created', update: 'updated', unchanged: 'unchanged', skip: 'nothing to do', checked: 'checked' };

export async function createReporter(output: Output): Promise<Reporter> {
  if (output.json) return jsonReporter(output);
  if (output.interactive) return spinnerReporter(output, (await import('ora')).default);
  return plainReporter(output);
}

function jsonReporter(output: Output): Reporter {
  return {
    event: (event) => output.data({ v: EVENT_STREAM_VERSION, at: new Date().toISOString(), ...event }),
    stop: () => undefined,
  };
}

function describeFinished(event: Extract<EngineEvent, { type: 'step-finished' }>): string {
  return `${CHANGE_WORDS[event.change] ?? event.change} (${seconds(event.durationMs)})`;
}

function plainReporter(output: Output): Reporter {
  const started = Date.now();
  const lastProgress = new Map<StepNumber, string>();
  const stamp = () => output.style.dim(`[${seconds(Date.now() - started).padStart(6)}]`);
  const title = (step: StepNumber) => `${String(step).padStart(2)} ${catalogueEntry(step).title}`;
  return {
    event(event) {
      switch (event.type) {
        case 'step-started':
          output.line(`${stamp()} ${title(event.step)}: started`);
          break;
        case 'step-progress':
          if (lastProgress.get(event.step) === event.message) return;
          lastProgress.set(event.step, event.message);
          output.line(`${stamp()} ${title(event.step)}: ${event.message}`);
          break;
        case 'step-note':
          output.line(`${stamp()} ${title(event.step)}: ${output.style.yellow('note')} ${event.message}`);
          break;
        case 'step-finished':
          output.line(`${stamp()} ${title(event.step)}: ${output.style.green(describeFinished(event))}`);
          break;
        case 'step-failed':
          output.line(`${stamp()} ${title(event.step)}: ${output.style.red('failed')} ${event.error.message}`);
          break;
        case 'step-blocked':
          output.line(`${stamp()} ${title(event.step)}: not run, step ${event.blockedBy} failed`);
          break;
        case 'run-interrupting':
          output.line(`${stamp()} stopping: waiting for ${event.inFlight.map(String).join(', ') || 'nothing'} to finish; press Ctrl-C again to leave now`);
          break;
        default:
          break;
      }
    },
    stop: () => undefined,
  };
}

function spinnerReporter(output: Output, ora: (options: object) => Ora): Reporter {
  const inFlight = new Map<StepNumber, { since: number; message: string }>();
  const spinner = ora({ text: 'starting', stream: process.stdout, discardStdin: false });
  const { style } = output;
  const render = () => {
    const parts = [...inFlight].map(([step, state]) => `${step} ${catalogueEntry(step).title}${state.message ? ` · ${state.message}` : ''} ${style.dim(seconds(Date.now() - state.since))}`);
    spinner.text = parts.join(style.dim('  |  ')) || 'waiting';
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
      switch (event.type) {
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
          persist(style.yellow('!'), `${event.step} ${catalogueEntry(event.step).title}: ${event.message}`);
          break;
        case 'step-finished':
          inFlight.delete(event.step);
          persist(style.green('✔'), `${String(event.step).padStart(2)} ${catalogueEntry(event.step).title} ${style.dim(describeFinished(event))}`);
          break;
        case 'step-failed':
          inFlight.delete(event.step);
          persist(style.red('✖'), `${String(event.step).padStart(2)} ${catalogueEntry(event.step).title} ${style.red(event.error.message)}`);
          break;
        case 'step-blocked':
          persist(style.dim('-'), style.dim(`${String(event.step).padStart(2)} ${catalogueEntry(event.step).title}: not run, step ${event.blockedBy} failed`));
          break;
        case 'run-interrupting':
          persist(style.yellow('!'), `stopping: waiting for ${event.inFlight.join(', ') || 'nothing'} to finish; press Ctrl-C again to leave now`);
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
