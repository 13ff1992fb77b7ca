/**
 * The contract between the engine and the steps. A step never prompts and never reads files: everything
 * it needs arrives in its context, and everything it produces leaves as outputs, artifacts or events.
 */
import type { Readable } from 'node:stream';
import type { AzureServices } from '../azure/services.js';
import type { ResolvedConfig } from '../config/derive.js';
import type { Secrets } from '../config/secrets.js';
import type { StepNumber } from './catalogue.js';

/** Non-secret values a step records in the journal for later steps and for `status`. */
export type OutputValue = string | number | boolean | readonly string[];
export type StepOutputs = Readonly<Record<string, OutputValue>>;

export type Change = 'create' | 'update' | 'unchanged' | 'skip' | 'check';

/** What `plan` expects `apply` to do. */
export interface PlannedChange {
  readonly change: Change;
  /** One line for the plan, e.g. "Standard_D4s_v5, Windows Server 2022". */
  readonly summary?: string;
  /** For updates: what differs, one item each. */
  readonly differences?: readonly string[];
}

export interface StepResult {
  readonly change: Exclude<Change, 'check'> | 'checked';
  readonly outputs: StepOutputs;
}

/** Files written beside the state (the RDP file, the account table). */
export interface ArtifactWriter {
  write(name: string, content: string): Promise<string>;
}

/** A local file the config names (the installer, the PFX), opened by the CLI: a step streams it, never opens a path. */
export interface LocalFile {
  readonly name: string;
  readonly size: number;
  open(): Readable;
}

export interface StepContext {
  readonly step: StepNumber;
  readonly config: ResolvedConfig;
  readonly secrets: Secrets;
  readonly azure: AzureServices;
  /** Outputs recorded by an earlier step; throws when that step has not run. */
  outputsOf(step: StepNumber): StepOutputs;
  readonly artifacts: ArtifactWriter;
  /** The config's local files (qlik.installer with source: file, qlik.certificate.pfxFile); absent when not configured. */
  readonly localFiles?: { readonly installer?: LocalFile; readonly certificate?: LocalFile };
  /** Aborted when the user asks to leave at once; long waits should stop. */
  readonly signal: AbortSignal;
  /** A short status line for the spinner: provisioning state, execution state, installer phase. */
  progress(message: string): void;
  /** Something the user should read: a deviation from the guide, a retried fault, a warning. */
  note(message: string): void;
}

export interface StepImplementation {
  /** Read-only: what apply would do, judged against live Azure. */
  plan(ctx: StepContext): Promise<PlannedChange>;
  /** Makes it so, idempotently: adopts what already exists in the right shape. */
  apply(ctx: StepContext): Promise<StepResult>;
  /** Reads back what apply made and throws if it differs from what was asked. */
  verify?(ctx: StepContext, result: StepResult): Promise<void>;
}

export type StepRegistry = ReadonlyMap<StepNumber, StepImplementation>;

/** A failure with advice for the user, raised by steps and by the Azure error mapping. */
export class StepError extends Error {
  readonly code: string | undefined;
  readonly advice: string | undefined;
  constructor(message: string, options: { code?: string; advice?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'StepError';
    this.code = options.code;
    this.advice = options.advice;
  }
}

export interface StepErrorInfo {
  readonly message: string;
  readonly code?: string;
  readonly advice?: string;
}
