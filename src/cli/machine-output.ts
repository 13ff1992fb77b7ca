/**
 * What `--json` prints, as zod schemas: the plan document (`plan --json`), the status document
 * (`status --json`) and the event stream of runs (NDJSON, one event a line). The JSON Schemas published
 * in `schemas/` are generated from these (`node scripts/write-schemas.mjs`), and the types the CLI builds
 * its output with are checked against them when it compiles (the `conforms` lines at the end), so the
 * documents, the schemas and the code cannot drift apart. Loaded by the schema writer and the tests only.
 */
import { z } from 'zod';
import type { EngineEvent } from '../engine/events.js';
import { SECRET_FIELDS } from '../config/secrets.js';
import { journalEntrySchema, outputValueSchema } from '../state/schema.js';
import { ERROR_CODES, type ErrorEvent } from './failures.js';
import type { statusDocument } from './commands/status.js';
import type { planJson } from './plan-view.js';
import type { RunEvent } from './reporter.js';
import type { RunSummary } from './summary.js';

const step = z.number().int().min(1).max(48).describe('a guide step, 1-48');
const timestamp = z.string().describe('ISO-8601 time');
const secretName = z.enum(Object.keys(SECRET_FIELDS) as [keyof typeof SECRET_FIELDS, ...(keyof typeof SECRET_FIELDS)[]]);

const planLine = z.object({
  number: step,
  title: z.string(),
  symbol: z.enum(['+', '~', '=', '·', '!']).describe('+ create, ~ update, = unchanged, · nothing to do here, ! cannot tell'),
  change: z.enum(['create', 'update', 'unchanged', 'skip', 'check', 'folded', 'info', 'not-selected', 'unknown']),
  summary: z.string().optional(),
  differences: z.array(z.string()).optional().describe('for an update: what differs'),
});

const planSummary = z.object({
  create: z.number().int(),
  update: z.number().int(),
  unchanged: z.number().int(),
  checks: z.number().int(),
  unknown: z.number().int().describe('steps whose plan could not read Azure'),
  other: z.number().int(),
  hasChanges: z.boolean(),
});

const costSchema = z.union([
  z.object({ omitted: z.literal(true), reason: z.string().describe('why there is no estimate (offline, no prices, nothing built)') }),
  z.object({
    currency: z.string(),
    prices: z.string().describe('where the prices came from'),
    region: z.string(),
    pricesAt: z.string().describe('when the prices were fetched'),
    cached: z.boolean(),
    assumptions: z.object({ hoursPerMonth: z.number(), osDiskGb: z.number(), storageGb: z.number(), pricing: z.literal('pay as you go') }),
    lines: z.array(z.object({
      kind: z.enum(['vm', 'osDisk', 'dataDisk', 'publicIp', 'storageAccount']),
      resource: z.string(),
      item: z.string(),
      assumes: z.string(),
      monthly: z.number().optional().describe('absent when no price was found'),
      unknown: z.string().optional().describe('why there is no figure'),
    })),
    monthlyTotal: z.number().describe('the sum of the lines with a figure'),
    partial: z.boolean().describe('a line has no price: the total is a lower bound'),
  }),
]).describe('monthly cost estimate at pay-as-you-go retail prices');

export const planDocumentSchema = z.object({
  version: z.literal(1),
  deployment: z.string(),
  offline: z.boolean(),
  replacements: z.array(z.object({
    setting: z.string(),
    from: z.string(),
    to: z.string(),
    resources: z.array(z.string()).describe('the built resources the new value would leave behind'),
    steps: z.array(step).describe('done steps whose work the new value undoes'),
  })).describe('identifying settings changed since the deployment was built: apply refuses them'),
  steps: z.array(planLine).length(48),
  summary: planSummary,
  cost: costSchema,
}).describe('qlik-azure plan --json');

const runSummary = z.object({
  deployment: z.string(),
  resourceGroup: z.string(),
  ok: z.boolean(),
  simulated: z.boolean(),
  interrupted: z.boolean(),
  finished: z.array(step),
  failed: z.array(z.object({ step, title: z.string(), message: z.string(), code: z.string().optional(), advice: z.string().optional() })),
  blocked: z.array(step),
  notStarted: z.array(step),
  hubUrl: z.string().optional(),
  qmcUrl: z.string().optional(),
  qlikAdministrator: z.string(),
  accounts: z.array(z.object({ role: z.string(), account: z.string(), secret: secretName })),
  secrets: z.array(secretName).describe('names only: never a value'),
  secretsLiveIn: z.string(),
  accountTable: z.string().optional(),
  rdpFile: z.string().optional(),
  resumeCommand: z.string().optional().describe('present when the run did not finish'),
  next: z.array(z.string()),
});

export const statusDocumentSchema = z.object({
  version: z.literal(1),
  deployment: z.string(),
  stateFile: z.string(),
  serial: z.number().int(),
  lineage: z.string(),
  updatedAt: timestamp,
  journal: z.record(z.string(), journalEntrySchema).describe('keyed by guide step number'),
  summary: runSummary.optional().describe('absent before the first run recorded its config'),
  cost: costSchema.describe('what exists costs per month at today\'s prices'),
}).describe('qlik-azure status --json');

/** Every event has these; readers ignore fields they do not know. */
const event = <K extends string, T extends z.ZodRawShape>(type: K, shape: T) => z.object({ v: z.literal(1), at: timestamp, type: z.literal(type), ...shape });

export const eventSchema = z.union([
  event('plan', { deployment: z.string(), simulated: z.boolean(), steps: z.array(planLine).length(48), summary: planSummary }),
  event('run-started', { command: z.enum(['apply', 'resume', 'init']), deployment: z.string(), steps: z.array(step), simulated: z.boolean() }),
  event('subscription', { message: z.string() }),
  event('step-started', { step, title: z.string() }),
  event('step-progress', { step, message: z.string() }),
  event('step-note', { step, message: z.string() }),
  event('step-finished', { step, change: z.enum(['create', 'update', 'unchanged', 'skip', 'checked']), outputs: z.record(z.string(), outputValueSchema), durationMs: z.number() }),
  event('step-failed', { step, error: z.object({ message: z.string(), code: z.string().optional(), advice: z.string().optional() }), durationMs: z.number() }),
  event('step-blocked', { step, blockedBy: step }),
  event('run-interrupting', { inFlight: z.array(step) }),
  event('summary', runSummary.shape),
  event('summary', { deployment: z.string(), deleted: z.boolean(), resourceGroup: z.string().optional(), reason: z.string().optional(), monthlyCostStopped: costSchema.optional() }).describe('after destroy --json'),
  event('error', {
    exitCode: z.number().int(),
    code: z.enum(ERROR_CODES).describe('stable: see the README, "Output for machines"'),
    field: z.string().optional().describe('the setting, flag, secret or variable at fault'),
    file: z.string().optional(),
    message: z.string(),
    fix: z.string().optional(),
    resumeCommand: z.string().optional(),
  }),
]).describe('one line of the NDJSON stream of qlik-azure init/apply/resume/destroy --json');

/** The published JSON Schemas by file name. `open`: readers must accept fields added later (the stream's contract). */
export function machineOutputJsonSchemas(options: { open: boolean }): Record<string, object> {
  const io = options.open ? 'input' : 'output';
  const json = (schema: z.ZodType, title: string) => ({ ...z.toJSONSchema(schema, { io }), title });
  return {
    'plan.schema.json': json(planDocumentSchema, 'qlik-azure plan document (version 1)'),
    'status.schema.json': json(statusDocumentSchema, 'qlik-azure status document (version 1)'),
    'events.schema.json': json(eventSchema, 'qlik-azure --json event (v 1)'),
  };
}

// Compile-time: each value the CLI emits fits its schema (readonly arrays read as arrays).
type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Fits<Value, Schema extends z.ZodType> = Writable<Value> extends z.input<Schema> ? true : false;
const conforms = <Checks extends true[]>(..._checks: Checks) => undefined;
conforms<[
  Fits<ReturnType<typeof planJson>, typeof planDocumentSchema>,
  Fits<ReturnType<typeof statusDocument>, typeof statusDocumentSchema>,
  Fits<RunSummary, typeof runSummary>,
  Fits<ErrorEvent & { at: string }, typeof eventSchema>,
  Fits<EngineEvent & { v: 1; at: string }, typeof eventSchema>,
  Fits<Exclude<RunEvent, { type: 'summary' }> & { v: 1; at: string }, typeof eventSchema>,
]>(true, true, true, true, true, true);
