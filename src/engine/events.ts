/** What the engine reports while it runs; the CLI renders it as spinners, plain lines or NDJSON. */
import type { StepNumber } from './catalogue.js';
import type { StepErrorInfo, StepOutputs, StepResult } from './step.js';

export type EngineEvent =
  | { readonly type: 'step-started'; readonly step: StepNumber; readonly title: string }
  | { readonly type: 'step-progress'; readonly step: StepNumber; readonly message: string }
  | { readonly type: 'step-note'; readonly step: StepNumber; readonly message: string }
  | { readonly type: 'step-finished'; readonly step: StepNumber; readonly change: StepResult['change']; readonly outputs: StepOutputs; readonly durationMs: number }
  | { readonly type: 'step-failed'; readonly step: StepNumber; readonly error: StepErrorInfo; readonly durationMs: number }
  | { readonly type: 'step-blocked'; readonly step: StepNumber; readonly blockedBy: StepNumber };

export type EventSink = (event: EngineEvent) => void;
