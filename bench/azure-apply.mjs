#!/usr/bin/env node
// Benchmark (not a test) of the guide's steps: the real CLI applies them against the ARM simulator with the
// real-world latency model, and this reports how close the wall time comes to the critical path, how late
// the client sees each long-running operation finish, how many ARM requests it took and how many reads
// Compute throttled (429 past its per-VM read budgets, which the simulator enforces).
//
//   npm run build && node bench/azure-apply.mjs [--scale 0.1] [--poll-ms N] [--to-step 33|46|48] [--no-pacing] [--fresh-subscription]
//
// --scale       simulator latencyScale (1.0 = real Azure, a run of ~2 minutes for 1-33 and ~30 minutes for
//               1-46); the CLI is told the same scale (QLIK_AZURE_TIME_SCALE) so that its pacing keeps time
//               with the simulator. Figures are also given scaled back to real time.
// --to-step     33 (default): the Azure resources. 46: the whole flow on the VM too, through Run Command.
//               48: also step 48 (a throw-away PFX made by openssl, imported and set on the proxy: two run
//               commands), in a second apply (--from-step 48), because one apply to 48 would run step 47 too,
//               and outside --simulate step 47 probes the VM's public DNS name from this machine: a lookup
//               and connection off loopback, which the bench must not make. The loopback stand-in of the
//               VM's Qlik ports exists only in --simulate, whose in-process simulator the bench can neither
//               slow by the recorded script times nor read the request log of. Step 47 takes no Azure time
//               (two HTTPS GETs from here), so the whole flow's critical path is that of 1-46 and 48.
//               Each trivial script takes the 67 s a trivial Run Command took on Azure
//               (java-vm-runcommand.json: startTime 11:54:03.54 -> endTime 11:55:10.46, 91 s end to end for
//               the client); the Qlik Sense installer takes --install-minutes (default 20, the order of the
//               "up to 15 minutes" of Azure's Qlik Sense quickstart, which also installs Windows features).
// --fresh-subscription  Microsoft.Compute, Network and Storage unregistered, as on a new subscription: the
//               CLI registers them before the first write and waits (the simulator takes 60 s, the order of the
//               "few minutes" the docs give), which the critical path then starts with. Default: registered,
//               as on any subscription that has held a VM before; registration happens once per subscription.
// --no-pacing   QLIK_AZURE_TIME_SCALE=0: the CLI ignores Azure's read budgets (the behaviour before pacing).
// --poll-ms     QLIK_AZURE_POLL_INTERVAL_MS for the CLI; default 1000 ms × scale. A second between polls
//               keeps the overshoot of each operation under a second (half on average) for one GET per
//               second per operation in flight: at most four here, far inside ARM's read budget. The CLI's
//               own default is 2000 ms.
//
// Critical path = the longest chain of the simulator's per-operation latencies along the step graph.
// Overshoot = when the CLI saw an operation succeed − when the simulator finished it.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CATALOGUE } from '../dist/engine/catalogue.js';
import { writeFakeAz } from '../dist/simulator/fake-az.js';
import { createSimulatedQlikVm } from '../dist/simulator/qlik-vm.js';
import { SIMULATED_SUBSCRIPTION_ID, startSimulator } from '../dist/simulator/index.js';
import { OPERATION_SECONDS } from '../dist/simulator/latency.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values } = parseArgs({ options: {
  scale: { type: 'string', default: '0.1' }, 'poll-ms': { type: 'string' }, 'to-step': { type: 'string', default: '33' },
  'install-minutes': { type: 'string', default: '20' }, 'no-pacing': { type: 'boolean', default: false },
  'fresh-subscription': { type: 'boolean', default: false },
} });
const scale = Number(values.scale);
const pollMs = Number(values['poll-ms'] ?? Math.max(10, Math.round(1000 * scale)));
const toStep = Number(values['to-step']);
const pacing = !values['no-pacing'];
const fresh = values['fresh-subscription'];
if (!(scale > 0)) throw new Error('--scale must be a positive number');
if (![33, 46, 48].includes(toStep)) throw new Error('--to-step must be 33, 46 or 48');
/** The applies the bench runs, in order (see --to-step 48 above for why 48 is a second one). */
const LEGS = toStep === 48 ? [{ to: 46 }, { from: 48, to: 48 }] : [{ to: toStep }];
const PFX_PASSWORD = 'Bench-Only-Pfx-4u!';

/** Real-world seconds of a script on the VM (see the header). */
const TRIVIAL_SCRIPT_SECONDS = 67;
const INSTALL_SECONDS = Number(values['install-minutes']) * 60;
/** Deleting a consumed run command (it holds the protected parameters), as the simulator models it. */
const RUN_COMMAND_DELETE_SECONDS = OPERATION_SECONDS.runCommandDelete;
/** Run Command invocations of each guide step that runs scripts on the VM (35 and 39 are local files; 48 imports, then sets the proxy). */
const RUN_COMMANDS_OF = { 34: 1, 38: 1, 40: 1, 41: 1, 42: 1, 43: 1, 44: 1, 45: 1, 46: 1, 48: 2 };
const RUN_COMMAND_STEPS = new Set(Object.keys(RUN_COMMANDS_OF).map(Number));
/** Steps the bench runs: 47 never (see --to-step). */
const BENCH_STEPS = (number) => number <= toStep && number !== 47;

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
/** What Azure spends on a Run Command step: the script, then the delete of the consumed run command. */
const runCommandSeconds = (step) => (step === 40 ? INSTALL_SECONDS : TRIVIAL_SCRIPT_SECONDS * RUN_COMMANDS_OF[step]) + RUN_COMMAND_DELETE_SECONDS * RUN_COMMANDS_OF[step];
const secondsOf = (step) => (RUN_COMMAND_STEPS.has(step) ? runCommandSeconds(step) : OPERATION_SECONDS[STEP_OPERATIONS[step]?.operation] ?? 0);

/**
 * Longest chain of operation latencies through the dependencies of the steps run (seconds, scale 1). Each leg
 * (apply) starts when the one before ended; on a fresh subscription every leg's first write waits for the
 * provider registration, which the CLI does before any step.
 */
function criticalPath() {
  const legs = LEGS.map((leg) => legCriticalPath((number) => number >= (leg.from ?? 1) && number <= leg.to && BENCH_STEPS(number)));
  const registration = fresh ? OPERATION_SECONDS.providerRegistration : 0;
  return {
    seconds: registration + legs.reduce((sum, leg) => sum + leg.seconds, 0),
    chain: [...(fresh ? ['registration'] : []), ...legs.flatMap((leg, index) => [...(index > 0 ? ['|'] : []), ...leg.chain])],
  };
}

function legCriticalPath(included) {
  const entries = new Map(CATALOGUE.filter((e) => (e.kind === 'action' || e.kind === 'verify') && included(e.number)).map((e) => [e.number, e]));
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

/** A throw-away self-signed certificate with its key, as the PFX a user would bring for step 48. */
async function throwAwayPfx(dir) {
  const openssl = promisify(execFile);
  await openssl('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=qlik-bench.example.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  await openssl('openssl', ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', join(dir, 'proxy.pfx'), '-passout', `pass:${PFX_PASSWORD}`]);
  return join(dir, 'proxy.pfx');
}

async function workspace(sim) {
  const dir = await mkdtemp(join(tmpdir(), 'qlik-azure-bench-'));
  await writeFile(join(dir, 'ca.pem'), sim.caCertPem);
  await writeFakeAz(join(dir, 'bin'));
  const certificate = toStep === 48 ? ['  certificate:', `    pfxFile: ${await throwAwayPfx(dir)}`] : [];
  await writeFile(join(dir, 'qlik-azure.yaml'), [
    'deployment: qlik-bench', `subscriptionId: ${SIMULATED_SUBSCRIPTION_ID}`, 'location: westeurope',
    'network:', '  allowedSourceCidrs: [203.0.113.0/24]', 'vm:', '  dataDiskSizeGb: 64', '  computerName: qlik-bench',
    'qlik:', '  releaseName: Qlik Sense November 2025', '  installer:', '    source: url', '    url: https://downloads.example.test/Qlik_Sense_setup.exe', ...certificate, '',
  ].join('\n'));
  await writeFile(join(dir, 'secrets.yaml'), [
    'vmAdminPassword: "Bench-Only-Vm-Admin-7x!"', 'serviceAccountPassword: "Bench-Only-Service-8y!"', 'qlikAdminPassword: "Bench-Only-QSAdmin-9z!"',
    'localUserPassword: "Bench-Only-Users-6w!"', 'repositoryDbPassword: "Bench-Only-Repository-5v!"', 'licenseKey: "bench-only.signed-license-key.not-valid"',
    ...(toStep === 48 ? [`pfxPassword: "${PFX_PASSWORD}"`] : []), '',
  ].join('\n'), { mode: 0o600 });
  return dir;
}

/** Runs one leg's `apply --json` and timestamps every event as it arrives; `timeScale` is what the CLI is told. */
function apply(sim, dir, timeScale, leg) {
  const range = [...(leg.from ? ['--from-step', String(leg.from)] : []), '--to-step', String(leg.to)];
  const args = [join(ROOT, 'bin/qlik-azure.js'), 'apply', '--json', ...range, '--yes', '--config', join(dir, 'qlik-azure.yaml'),
    '--secrets-file', join(dir, 'secrets.yaml'), '--arm-endpoint', sim.url, '--auth', 'cli', '--state-dir', join(dir, 'state')];
  const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), QLIK_AZURE_POLL_INTERVAL_MS: String(pollMs),
    QLIK_AZURE_TIME_SCALE: String(timeScale), CI: 'true' };
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

/** The simulated VM, each script taking its real-world time × `latencyScale`. */
function timedVm(latencyScale) {
  const vm = createSimulatedQlikVm({ computerName: () => 'qlik-bench' });
  return async (run) => {
    // The run command's name is the step's (qlik-azure-step-N); the inputs travel encoded in the envelope's two parameters.
    const installs = run.runCommandName === 'qlik-azure-step-40';
    await sleep((installs ? INSTALL_SECONDS : TRIVIAL_SCRIPT_SECONDS) * 1000 * latencyScale);
    return vm.executor(run);
  };
}

/**
 * The legs' applies, one after the other, against a fresh simulator at `latencyScale`. Per leg: start-up (spawn to
 * run-started: config, state, sign-in, SDK load), the subscription check (run-started to the first step), the walk
 * (the first step to the summary) and the end (summary to exit).
 */
async function measure(latencyScale, timeScale) {
  const sim = await startSimulator({ latencyScale, runCommandExecutor: timedVm(latencyScale), ...(fresh ? {} : { registeredProviders: 'all' }) });
  const dir = await workspace(sim);
  try {
    const runs = [];
    for (const leg of LEGS) {
      const run = await apply(sim, dir, timeScale, leg);
      if (run.code !== 0) {
        const why = run.events.filter((e) => e.type === 'step-failed' || e.type === 'error').map((e) => `${e.step ?? ''} ${e.message ?? JSON.stringify(e.error)}`);
        throw new Error(`apply ${JSON.stringify(leg)} exited ${run.code}: ${why.join('; ')}`);
      }
      runs.push(run);
    }
    const at = (run, type, fallback) => run.events.find((e) => e.type === type)?.seenAt ?? fallback;
    const sum = (f) => runs.reduce((total, run) => total + f(run), 0);
    const startupMs = sum((run) => at(run, 'run-started', run.started) - run.started);
    const endMs = sum((run) => run.ended - at(run, 'summary', run.ended));
    const checkMs = sum((run) => at(run, 'step-started', at(run, 'run-started', run.started)) - at(run, 'run-started', run.started));
    const wallMs = sum((run) => run.ended - run.started);
    const run = { events: runs.flatMap((r) => r.events) };
    return { run, log: sim.requestLog(), wallMs, stepsMs: wallMs - startupMs - endMs, startupMs, endMs, checkMs };
  } finally {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main() {
  // The CLI's own work (HTTP on loopback, journal writes, JSON) does not scale with Azure's latency: a run against
  // an instant simulator (scale 0) measures it; everything else in the walk is waiting on Azure and scales back.
  const baseline = await measure(0, 0);
  const { run, log, wallMs, stepsMs, startupMs, endMs, checkMs } = await measure(scale, pacing ? scale : 0);
  const critical = criticalPath();
  const criticalMs = critical.seconds * 1000 * scale;
  const fixedMs = wallMs - stepsMs;
  const cliMs = baseline.stepsMs;
  const waitingMs = Math.max(0, stepsMs - criticalMs - cliMs);
  const realWallS = (fixedMs + cliMs + waitingMs / scale) / 1000 + critical.seconds;
  const lros = overshoots(log, run.events);
  const byMethod = {};
  for (const r of log) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1;
  const polls = log.filter((r) => r.method === 'GET' && /\/(operations|asyncoperations|operationresults)\//i.test(r.path)).length;
  const throttled = log.filter((r) => r.status === 429);
  const conflicts = log.filter((r) => r.status === 409 && /\/runCommands\//i.test(r.path)).length;
  const finished = new Map(run.events.filter((e) => e.type === 'step-finished').map((e) => [e.step, e.durationMs]));
  const chainRunCommands = critical.chain.filter((step) => RUN_COMMAND_STEPS.has(step));
  const invocations = chainRunCommands.reduce((sum, step) => sum + RUN_COMMANDS_OF[step], 0);
  const runCommandAzureS = chainRunCommands.reduce((sum, step) => sum + secondsOf(step), 0);
  const runCommandMeasuredS = chainRunCommands.reduce((sum, step) => sum + (finished.get(step) ?? 0), 0) / 1000 / scale;
  const scriptWorkS = chainRunCommands.includes(40) ? INSTALL_SECONDS : 0;

  console.log(`guide steps 1-${toStep}${toStep === 48 ? ' but 47 (two applies: 1-46, then 48)' : ''}, latency scale ${scale}, poll interval ${pollMs} ms (${Math.round(pollMs / scale)} ms real), pacing ${pacing ? 'on' : 'off'}, ${fresh ? 'fresh subscription (providers registered by the run)' : 'providers registered'}`);
  console.log(`critical path: steps ${critical.chain.join(' → ')} = ${critical.seconds.toFixed(1)} s real, ${(criticalMs / 1000).toFixed(2)} s simulated`);
  console.log('');
  console.log('                          simulated      real (scaled back)');
  console.log(`wall time              ${pad((wallMs / 1000).toFixed(2), 9)} s  ${pad(realWallS.toFixed(1), 14)} s`);
  console.log(`  critical path        ${pad((criticalMs / 1000).toFixed(2), 9)} s  ${pad(critical.seconds.toFixed(1), 14)} s`);
  console.log(`  waiting beyond it    ${pad((waitingMs / 1000).toFixed(2), 9)} s  ${pad((waitingMs / scale / 1000).toFixed(1), 14)} s  (polls, pacing, retries)`);
  console.log(`  CLI work in the walk ${pad((cliMs / 1000).toFixed(2), 9)} s  ${pad((cliMs / 1000).toFixed(1), 14)} s  (not scaled: the same walk at scale 0)`);
  console.log(`  start-up, plan, end  ${pad((fixedMs / 1000).toFixed(2), 9)} s  ${pad((fixedMs / 1000).toFixed(1), 14)} s  (not scaled): start-up to run-started ${(startupMs / 1000).toFixed(2)} s, summary to exit ${(endMs / 1000).toFixed(2)} s`);
  console.log(`  (in the walk: run-started to the first step, the subscription check, ${(checkMs / 1000).toFixed(2)} s simulated)`);
  console.log(`wall ÷ critical path   ${pad((wallMs / criticalMs).toFixed(3), 11)}  ${pad((realWallS / critical.seconds).toFixed(3), 16)}`);
  console.log(`throttled reads (429)  ${pad(throttled.length, 11)}`);
  if (stepsMs < criticalMs) console.log(`WARNING: the walk (${(stepsMs / 1000).toFixed(2)} s) was shorter than the modelled critical path: the model no longer matches what the simulator does`);
  console.log('');
  console.log('step  operation                    server      overshoot (simulated / real)');
  for (const l of lros) console.log(`${pad(l.step, 4)}  ${l.operation.padEnd(27)} ${pad((l.serverMs / 1000).toFixed(2), 6)} s  ${pad(Math.round(l.overshootMs), 6)} ms / ${pad(Math.round(l.overshootMs / scale), 6)} ms`);
  if (chainRunCommands.length > 0) {
    console.log('');
    console.log(`Run Command on the critical path: steps ${chainRunCommands.join(', ')} (${invocations} invocations)`);
    console.log(`  Azure's time ${runCommandAzureS.toFixed(0)} s real: the scripts' own work ${scriptWorkS} s (installer) + Run Command overhead ${(runCommandAzureS - scriptWorkS).toFixed(0)} s (${TRIVIAL_SCRIPT_SECONDS} s per trivial script, ${RUN_COMMAND_DELETE_SECONDS} s per delete)`);
    console.log(`  the steps took ${runCommandMeasuredS.toFixed(0)} s real (scaled back; includes unscaled CLI work); 409 Conflicts retried: ${conflicts}`);
  }
  console.log('');
  console.log(`ARM requests: ${log.length} (${Object.entries(byMethod).map(([m, n]) => `${m} ${n}`).join(', ')}; ${polls} of the GETs are LRO polls)`);
  console.log(JSON.stringify({
    bench: 'azure-apply', toStep, scale, pacing, freshSubscription: fresh, pollIntervalMs: pollMs, criticalPathS: critical.seconds, criticalChain: critical.chain,
    wallS: wallMs / 1000, stepWalkS: stepsMs / 1000, fixedS: fixedMs / 1000, startupS: startupMs / 1000, endS: endMs / 1000, subscriptionCheckS: checkMs / 1000, cliS: cliMs / 1000, waitingS: waitingMs / 1000,
    wallOverCritical: Number((wallMs / criticalMs).toFixed(4)),
    realWallS: Number(realWallS.toFixed(2)), realWallOverCritical: Number((realWallS / critical.seconds).toFixed(4)),
    throttledReads: throttled.length, runCommandConflicts: conflicts,
    runCommandOnCriticalPath: { invocations, azureS: runCommandAzureS, overheadS: runCommandAzureS - scriptWorkS, measuredS: Number(runCommandMeasuredS.toFixed(1)) },
    overshootMs: Object.fromEntries(lros.map((l) => [l.step, Math.round(l.overshootMs / scale)])),
    requests: { total: log.length, ...byMethod, lroPolls: polls },
  }));
}

main().catch((error) => {
  console.error(`bench/azure-apply: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
