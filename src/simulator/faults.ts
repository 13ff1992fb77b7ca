// Injectable faults. A rule matches method + path regex; it becomes eligible from
// its nth matching request, fires at most `times` times and, when `probability` is
// set, only when the seeded generator says so, so a given seed replays exactly.

import type { FaultKind, FaultRule } from './types.js';
import type { Random } from './random.js';

/** Named profiles for benchmarks and `--faults`; also selected by env QLIK_AZURE_SIM_FAULTS. */
export const FAULT_PROFILES: Record<string, FaultRule[]> = {
  none: [],
  /** Occasional throttling, transient 5xx and dropped connections on any request. */
  flaky: [
    { kind: 'throttle', probability: 0.05, retryAfterSeconds: 2 },
    { kind: 'serverError', status: 503, probability: 0.03 },
    { kind: 'serverError', status: 500, probability: 0.02 },
    { kind: 'connectionReset', probability: 0.02 },
  ],
  /** A subscription near its ARM request budget: one request in five is throttled. */
  throttled: [{ kind: 'throttle', probability: 0.2, retryAfterSeconds: 5 }],
  /** A 429 storm: one request in three throttled, so some outlast the SDK's retries and stop the run. */
  storm: [{ kind: 'throttle', probability: 0.33, retryAfterSeconds: 1 }],
  /** 5xx that the SDK retries, a few that outlast the retries. */
  'server-errors': [
    { kind: 'serverError', status: 500, probability: 0.12 },
    { kind: 'serverError', status: 503, probability: 0.08, retryAfterSeconds: 1 },
  ],
  /** Connections reset before any answer. */
  resets: [{ kind: 'connectionReset', probability: 0.15 }],
  /** Requests carried out whose answer never arrives (retries must be idempotent). */
  'lost-responses': [{ kind: 'responseLost', probability: 0.08 }],
  /** Writes carried out whose answer never arrives: the retried PUT finds its own work (200 OK). */
  'lost-writes': [{ kind: 'responseLost', method: 'PUT', probability: 0.3 }],
  /** ARM's eventual consistency: reads that miss a resource that exists (404 after create). */
  'eventual-consistency': [{ kind: 'notFound', method: 'GET', path: '/providers/Microsoft\\.(Network|Storage|Compute)/[^/]+/[^/]+$', probability: 0.2 }],
  /** Long-running writes that end Failed. */
  'failed-lros': [{ kind: 'failLro', method: 'PUT', probability: 0.1 }],
  /** Every VM create ends OSProvisioningTimedOut although the VM comes up. */
  'os-provisioning': [{ kind: 'osProvisioningTimeout', method: 'PUT', path: '/providers/Microsoft\\.Compute/virtualMachines/[^/]+$', times: 3 }],
  /** Every LRO-shaped write fails once (the first VM create times out in OS provisioning). */
  'lro-failures': [
    { kind: 'osProvisioningTimeout', method: 'PUT', path: '/providers/Microsoft\\.Compute/virtualMachines/[^/]+$' },
    { kind: 'failLro', method: 'PUT', path: '/runCommands/[^/]+$' },
  ],
};

/** Faults the server applies itself, before any handler runs. */
export const REQUEST_FAULTS: ReadonlySet<FaultKind> = new Set(['throttle', 'serverError', 'connectionReset', 'responseLost', 'notFound']);

interface ArmedRule {
  rule: FaultRule;
  pattern: RegExp | undefined;
  matched: number;
  fired: number;
}

const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'serverError', 'connectionReset', 'responseLost', 'notFound', 'failLro', 'osProvisioningTimeout'];

function ruleProblems(rule: unknown, at: string): string[] {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return [`${at} is not an object`];
  const r = rule as Record<string, unknown>;
  const problems: string[] = [];
  if (!FAULT_KINDS.includes(r.kind as FaultKind)) problems.push(`${at}.kind is ${JSON.stringify(r.kind)}, not one of ${FAULT_KINDS.join(', ')}`);
  for (const field of ['method', 'code', 'message'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string') problems.push(`${at}.${field} is not a string`);
  }
  if (r.path !== undefined) {
    if (typeof r.path !== 'string') problems.push(`${at}.path is not a string`);
    else {
      try {
        new RegExp(r.path, 'i');
      } catch {
        problems.push(`${at}.path is not a regular expression`);
      }
    }
  }
  for (const field of ['nth', 'times', 'status', 'retryAfterSeconds'] as const) {
    if (r[field] !== undefined && !(Number.isInteger(r[field]) && (r[field] as number) >= 0)) problems.push(`${at}.${field} is not a whole number`);
  }
  if (r.probability !== undefined && !(typeof r.probability === 'number' && r.probability >= 0 && r.probability <= 1)) problems.push(`${at}.probability is not a number from 0 to 1`);
  return problems;
}

/** Fault rules written as JSON (an array of FaultRule), checked field by field. */
export function parseFaultRules(text: string): FaultRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON');
  }
  if (!Array.isArray(parsed)) throw new Error('is not a JSON array of fault rules');
  const problems = parsed.flatMap((rule, index) => ruleProblems(rule, `rule ${index + 1}`));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return parsed as FaultRule[];
}

/**
 * Rules as given, a profile name, or rules as a JSON array (text starting with "["), falling back to env
 * QLIK_AZURE_SIM_FAULTS. Throws, naming what is wrong, for an unknown profile or a malformed rule.
 */
export function resolveFaults(faults: FaultRule[] | string | undefined): FaultRule[] {
  const chosen = faults ?? process.env.QLIK_AZURE_SIM_FAULTS ?? 'none';
  if (typeof chosen !== 'string') return chosen;
  if (chosen.trim().startsWith('[')) return parseFaultRules(chosen);
  const profile = FAULT_PROFILES[chosen.trim() || 'none'];
  if (!profile) {
    throw new Error(`'${chosen}' is not a fault profile. Known profiles: ${Object.keys(FAULT_PROFILES).join(', ')}, or a JSON array of fault rules`);
  }
  return profile;
}

export class FaultInjector {
  private rules: ArmedRule[] = [];

  constructor(
    /** The fault stream's seed, kept with its position in a snapshot. */
    readonly seed: number,
    private readonly random: Random,
    initial: FaultRule[],
  ) {
    initial.forEach((rule) => this.add(rule));
  }

  /** Where the fault stream stands (see Random.position). */
  position(): number {
    return this.random.position();
  }

  add(rule: FaultRule): void {
    const pattern = rule.path === undefined ? undefined : rule.path instanceof RegExp ? rule.path : new RegExp(rule.path, 'i');
    this.rules.push({ rule, pattern, matched: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * The rule (of the given kinds) that fires for this request, if any. Each rule
   * counts its own matches; the first rule that fires wins.
   */
  take(method: string, path: string, kinds: ReadonlySet<FaultKind> | FaultKind[]): FaultRule | undefined {
    const wanted = kinds instanceof Set ? kinds : new Set(kinds);
    for (const armed of this.rules) {
      const { rule } = armed;
      if (!wanted.has(rule.kind)) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (armed.pattern && !armed.pattern.test(path)) continue;
      armed.matched += 1;
      const limit = rule.times ?? (rule.probability === undefined ? 1 : Infinity);
      if (armed.matched < (rule.nth ?? 1) || armed.fired >= limit) continue;
      if (rule.probability !== undefined && this.random.next() >= rule.probability) continue;
      armed.fired += 1;
      return rule;
    }
    return undefined;
  }
}
