#!/usr/bin/env node
// Benchmark (not a test) of guide steps 1-33: the real CLI applies them against the ARM simulator with the
// real-world latency model, and this reports how close the wall time comes to the critical path, how late
// the client sees each long-running operation finish, and how many ARM requests it took.
//
//   npm run build && node bench/azure-apply.mjs [--scale 0.1] [--poll-ms N]
//
// --scale       simulator latencyScale (1.0 = real Azure, a run of ~2 minutes); figures are also given
//               scaled back to real time.
// --poll-ms     QLIK_AZURE_POLL_INTERVAL_MS for the CLI; default 1000 ms × scale. A second between polls
//               keeps the overshoot of each operation under a second (half on average) for one GET per
//               second per operation in flight: at most four here, far inside ARM's read budget. The CLI's
//               own default is 2000 ms.
//
// Critical path = the longest chain of the simulator's per-operation latencies along the step graph.
// Overshoot = when the CLI saw an operation succeed − when the simulator finished it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CATALOGUE } from '../dist/engine/catalogue.js';
import { writeFakeAz } from '../dist/simulator/fake-az.js';
import { SIMULATED_SUBSCRIPTION_ID, startSimulator } from '../dist/simulator/index.js';
import { OPERATION_SECONDS } from '../dist/simulator/latency.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: { scale: { type: 'string', default: '0.1' }, 'poll-ms': { type: 'string' } } });
const scale = Number(values.scale);
const pollMs = Number(values['poll-ms'] ?? Math.max(10, Math.round(1000 * scale)));
if (!(scale > 0)) throw new Error('--scale must be a positive number');

/** What each runnable step of 1-33 waits for on Azure's side, and how its write is recognised in the log. */
const STEP_OPERATIONS = {
  1: { operation: 'resourceGroupCreate', put: /\/resourcegroups\/[^/]+$/i },
  5: { operation: 'networkSecurityGroupCreate', put: /\/networkSecurityGroups\/[^/]+$/ },
  13: { operation: 'storageAccountCreate', put: /\/storageAccounts\/[^/]+$/ },
  16: { operation: 'virtualNetworkCreate', put: /\/virtualNetworks\/[^/]+$/ },
  25: { operation: 'networkInterfaceCreate', put: /\/networkInterfaces\/[^/]+$/ },
  26: { operation: 'publicIpCreate', put: /\/publicIPAddresses\/[^/]+$/ },
  29: { operation: 'virtualMachineCreate', put: /\/virtualMachines\/[^/]+$/ },
};
const secondsOf = (step) => OPERATION_SECONDS[STEP_OPERATIONS[step]?.operation] ?? 0;

/** Longest chain of operation latencies through the dependencies of the steps up to 33 (seconds, scale 1). */
function criticalPath() {
  const entries = new Map(CATALOGUE.filter((e) => (e.kind === 'action' || e.kind === 'verify') && e.number <= 33).map((e) => [e.number, e]));
  const finish = new Map();
  const finishOf = (number) => {
    if (!finish.has(number)) {
      const entry = entries.get(number);
      const before = Math.max(0, ...entry.dependsOn.filter((d) => entries.has(d)).map(finishOf));
      finish.set(number, before + secondsOf(number));
    }
    return finish.get(number);
  };
  const ends = [...entries.keys()].map((n) => [n, finishOf(n)]);
  const [last, seconds] = ends.reduce((a, b) => (b[1] > a[1] ? b : a));
  const chain = [];
  for (let step = last; step !== undefined;) {
    chain.unshift(step);
    const entry = entries.get(step);
    step = entry.dependsOn.filter((d) => entries.has(d)).sort((a, b) => finishOf(b) - finishOf(a))[0];
  }
  return { seconds, chain };
}

async function workspace(sim) {
  const dir = await mkdtemp(join(tmpdir(), 'qlik-azure-bench-'));
  await writeFile(join(dir, 'ca.pem'), sim.caCertPem);
  await writeFakeAz(join(dir, 'bin'));
  await writeFile(join(dir, 'qlik-azure.yaml'), [
    'deployment: qlik-bench', `subscriptionId: ${SIMULATED_SUBSCRIPTION_ID}`, 'location: westeurope',
    'network:', '  allowedSourceCidrs: [203.0.113.0/24]', 'vm:', '  dataDiskSizeGb: 64', '',
  ].join('\n'));
  await writeFile(join(dir, 'secrets.yaml'), [
    'vmAdminPassword: "Bench-Only-Vm-Admin-7x!"', 'serviceAccountPassword: "Bench-Only-Service-8y!"', 'qlikAdminPassword: "Bench-Only-QSAdmin-9z!"',
    'localUserPassword: "Bench-Only-Users-6w!"', 'repositoryDbPassword: "Bench-Only-Repository-5v!"', 'licenseKey: "bench-only-license-key"', '',
  ].join('\n'), { mode: 0o600 });
  return dir;
}

/** Runs `apply --json` and timestamps every event as it arrives. */
function apply(sim, dir) {
  const args = [join(ROOT, 'bin/qlik-azure.js'), 'apply', '--json', '--to-step', '33', '--yes', '--config', join(dir, 'qlik-azure.yaml'),
    '--secrets-file', join(dir, 'secrets.yaml'), '--arm-endpoint', sim.url, '--auth', 'cli', '--state-dir', join(dir, 'state')];
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), QLIK_AZURE_POLL_INTERVAL_MS: String(pollMs), CI: 'true' };
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const events = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    const now = Date.now();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      try { events.push({ ...JSON.parse(line), seenAt: now }); } catch { /* not an event */ }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, started, ended: Date.now(), events }));
  });
}

function overshoots(log, events) {
  return Object.entries(STEP_OPERATIONS).map(([step, { operation, put }]) => {
    const write = log.find((r) => r.method === 'PUT' && put.test(r.path));
    const seen = events.find((e) => e.type === 'step-progress' && e.step === Number(step) && /: succeeded after/.test(e.message))
      ?? events.find((e) => e.type === 'step-finished' && e.step === Number(step));
    if (!write || !seen) return undefined;
    const serverEnd = write.at + OPERATION_SECONDS[operation] * 1000 * scale;
    return { step: Number(step), operation, serverMs: Math.round(OPERATION_SECONDS[operation] * 1000 * scale), overshootMs: Math.max(0, seen.seenAt - serverEnd) };
  }).filter(Boolean);
}

const pad = (value, width) => String(value).padStart(width);

async function main() {
  const sim = await startSimulator({ latencyScale: scale });
  const dir = await workspace(sim);
  try {
    const run = await apply(sim, dir);
    if (run.code !== 0) throw new Error(`apply exited ${run.code}`);
    const log = sim.requestLog();
    const critical = criticalPath();
    const criticalMs = critical.seconds * 1000 * scale;
    const wallMs = run.ended - run.started;
    const runStarted = run.events.find((e) => e.type === 'run-started')?.seenAt ?? run.started;
    const runEnded = run.events.find((e) => e.type === 'summary')?.seenAt ?? run.ended;
    const stepsMs = runEnded - runStarted;
    const fixedMs = wallMs - stepsMs;
    const lros = overshoots(log, run.events);
    // Scaling back: Azure's latencies and the poll waits (overshoot) grow with the scale; the CLI's own work
    // (start-up, plan, journal writes, module loading, tokens) does not.
    const chainOvershootMs = lros.filter((l) => critical.chain.includes(l.step)).reduce((sum, l) => sum + l.overshootMs, 0);
    const clientMs = stepsMs - criticalMs - chainOvershootMs;
    const realWallS = (fixedMs + clientMs + chainOvershootMs / scale) / 1000 + critical.seconds;
    const byMethod = {};
    for (const r of log) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
    const polls = log.filter((r) => r.method === 'GET' && /\/(operations|asyncoperations|operationresults)\//i.test(r.path)).length;

    console.log(`guide steps 1-33, latency scale ${scale}, poll interval ${pollMs} ms (${Math.round(pollMs / scale)} ms real)`);
    console.log(`critical path: steps ${critical.chain.join(' → ')} = ${critical.seconds.toFixed(1)} s real, ${(criticalMs / 1000).toFixed(2)} s simulated`);
    console.log('');
    console.log('                          simulated      real (scaled back)');
    console.log(`wall time              ${pad((wallMs / 1000).toFixed(2), 9)} s  ${pad(realWallS.toFixed(1), 14)} s`);
    console.log(`  critical path        ${pad((criticalMs / 1000).toFixed(2), 9)} s  ${pad(critical.seconds.toFixed(1), 14)} s`);
    console.log(`  poll overshoot on it ${pad((chainOvershootMs / 1000).toFixed(2), 9)} s  ${pad((chainOvershootMs / scale / 1000).toFixed(1), 14)} s`);
    console.log(`  CLI work in the walk ${pad((clientMs / 1000).toFixed(2), 9)} s  ${pad((clientMs / 1000).toFixed(1), 14)} s  (not scaled)`);
    console.log(`  start-up, plan, end  ${pad((fixedMs / 1000).toFixed(2), 9)} s  ${pad((fixedMs / 1000).toFixed(1), 14)} s  (not scaled)`);
    console.log(`wall ÷ critical path   ${pad((wallMs / criticalMs).toFixed(3), 11)}  ${pad((realWallS / critical.seconds).toFixed(3), 16)}`);
    console.log('');
    console.log('step  operation                    server      overshoot (simulated / real)');
    for (const l of lros) console.log(`${pad(l.step, 4)}  ${l.operation.padEnd(27)} ${pad((l.serverMs / 1000).toFixed(2), 6)} s  ${pad(Math.round(l.overshootMs), 6)} ms / ${pad(Math.round(l.overshootMs / scale), 6)} ms`);
    console.log('');
    console.log(`ARM requests: ${log.length} (${Object.entries(byMethod).map(([m, n]) => `${m} ${n}`).join(', ')}; ${polls} of the GETs are LRO polls)`);
    console.log(JSON.stringify({
      bench: 'azure-apply', scale, pollIntervalMs: pollMs, criticalPathS: critical.seconds, criticalChain: critical.chain,
      wallS: wallMs / 1000, stepWalkS: stepsMs / 1000, fixedS: fixedMs / 1000, clientS: clientMs / 1000, chainOvershootS: chainOvershootMs / 1000,
      wallOverCritical: Number((wallMs / criticalMs).toFixed(4)),
      realWallS: Number(realWallS.toFixed(2)), realWallOverCritical: Number((realWallS / critical.seconds).toFixed(4)),
      overshootMs: Object.fromEntries(lros.map((l) => [l.step, Math.round(l.overshootMs / scale)])),
      requests: { total: log.length, ...byMethod, lroPolls: polls },
    }));
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench/azure-apply: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
