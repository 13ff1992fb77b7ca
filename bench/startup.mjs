#!/usr/bin/env node
/**
 * Start-up benchmark (not a test): median wall time and time to first output byte of a few commands,
 * over RUNS runs each, after `npm run build`. Target: `--help` median ≤ 200 ms; first byte ≤ 100 ms.
 *
 *   node bench/startup.mjs [runs]
 *
 * Prints a table, then one JSON line for machines.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = `${ROOT}bin/qlik-azure.js`;
const RUNS = Number(process.argv[2] ?? 20);
const TARGETS = { help: 200, firstByte: 100 };

const COMMANDS = [
  { name: '--help', args: ['--help'] },
  { name: 'steps', args: ['steps'] },
  { name: 'plan --offline', args: ['plan', '--offline', '--config', 'examples/qlik-azure.yaml', '--state-dir', '/tmp/qlik-azure-bench-state'] },
];

/** One run: when the first byte arrived and when the process exited, in ms since spawn. */
function timeOnce(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - started) / 1e6;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, CI: 'true', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstByte;
    const onData = () => { firstByte ??= since(); };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ total: since(), firstByte: firstByte ?? since() }) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (ms) => Math.round(ms * 10) / 10;

if (!existsSync(`${ROOT}dist/cli/main.js`)) {
  process.stderr.write('dist/ is missing: run `npm run build` first\n');
  process.exit(1);
}

const results = [];
for (const command of COMMANDS) {
  await timeOnce(command.args); // warm the file cache; not counted
  const samples = [];
  for (let i = 0; i < RUNS; i++) samples.push(await timeOnce(command.args));
  const totals = samples.map((s) => s.total);
  results.push({
    command: command.name,
    runs: RUNS,
    medianMs: round(median(totals)),
    minMs: round(Math.min(...totals)),
    maxMs: round(Math.max(...totals)),
    firstByteMedianMs: round(median(samples.map((s) => s.firstByte))),
  });
}

const nodeBaseline = await (async () => {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    await new Promise((resolve) => spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }).on('close', resolve));
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return round(median(samples));
})();

const header = ['command', 'median ms', 'min', 'max', 'first byte ms (median)'];
const rows = results.map((r) => [r.command, r.medianMs, r.minMs, r.maxMs, r.firstByteMedianMs].map(String));
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
console.log(`qlik-azure start-up, ${RUNS} runs each (node ${process.version}; bare \`node -e ''\` median ${nodeBaseline} ms)`);
console.log(line(header));
for (const row of rows) console.log(line(row));
const help = results.find((r) => r.command === '--help');
const helpOk = help.medianMs <= TARGETS.help;
const firstByteOk = results.every((r) => r.firstByteMedianMs <= TARGETS.firstByte);
console.log(`--help median ${help.medianMs} ms: ${helpOk ? 'within' : 'OVER'} the ${TARGETS.help} ms target; first byte ${firstByteOk ? 'within' : 'OVER'} ${TARGETS.firstByte} ms for ${firstByteOk ? 'every command' : 'some commands'}`);
console.log(JSON.stringify({ benchmark: 'startup', node: process.version, runs: RUNS, nodeBaselineMs: nodeBaseline, targets: TARGETS, helpWithinTarget: helpOk, results }));
