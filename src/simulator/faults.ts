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

export function resolveFaults(faults: FaultRule[] | string | undefined): FaultRule[] {
  const chosen = faults ?? process.env.QLIK_AZURE_SIM_FAULTS ?? 'none';
  if (typeof chosen !== 'string') return chosen;
  const profile = FAULT_PROFILES[chosen.trim() || 'none'];
  if (!profile) {
    throw new Error(`Unknown simulator fault profile '${chosen}'. Known profiles: ${Object.keys(FAULT_PROFILES).join(', ')}`);
  }
  return profile;
}

export class FaultInjector {
  private rules: ArmedRule[] = [];

  constructor(
    private readonly random: Random,
    initial: FaultRule[],
  ) {
    initial.forEach((rule) => this.add(rule));
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
