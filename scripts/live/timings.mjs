#!/usr/bin/env node
// How long Azure took for each long-running operation in a live recording, beside the figure the simulator's
// latency model uses (src/simulator/latency.ts, OPERATION_SECONDS, which also drives the benchmarks): what a
// maintainer updates that model from, citing the recording.
//   npm run build && node scripts/live/timings.mjs test/recordings/<date>-<region>
// An operation lasts from its first request to the end of the poll that first reports it ended (a
// synchronous one: its one request); a provider registration, from the register call to the first read
// that says Registered.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATION_SECONDS } from '../../dist/simulator/latency.js';
import { isPoll, readLiveRecording, recordedPollsOf } from './recording-format.mjs';

/** method and resource type (lower case) → the latency model's name for the operation. */
const OPERATIONS = {
  'PUT resourcegroups': 'resourceGroupCreate',
  'DELETE resourcegroups': 'resourceGroupDelete',
  'PUT virtualnetworks': 'virtualNetworkCreate',
  'PUT networksecuritygroups': 'networkSecurityGroupCreate',
  'PUT publicipaddresses': 'publicIpCreate',
  'DELETE publicipaddresses': 'publicIpDelete',
  'PUT networkinterfaces': 'networkInterfaceCreate',
  'PUT storageaccounts': 'storageAccountCreate',
  'PUT virtualmachines': 'virtualMachineCreate',
  'DELETE virtualmachines': 'virtualMachineDelete',
  'PUT runcommands': 'runCommand',
  'DELETE runcommands': 'runCommandDelete',
  'DELETE disks': 'diskDelete',
};
const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);

const endOf = (entry) => Date.parse(entry.StartedAt) + entry.DurationMs;

/** …/{type}/{name}: the type, in lower case. */
function resourceType(uri) {
  const segments = new URL(uri).pathname.toLowerCase().split('/').filter(Boolean);
  return segments.length % 2 === 0 ? segments.at(-2) : undefined;
}

function hasEnded(poll) {
  const status = poll.ResponseBody?.status;
  return status ? TERMINAL.has(status) : poll.StatusCode !== 202;
}

/** Seconds per operation name, one sample per operation in the recording. */
export function operationTimings(entries) {
  const samples = {};
  const add = (name, seconds) => (samples[name] ??= []).push(seconds);
  entries.forEach((entry, index) => {
    if (isPoll(entry.RequestUri) || entry.StatusCode === 0 || entry.StatusCode >= 300) return;
    const register = /\/providers\/(Microsoft\.[A-Za-z]+)\/register$/i.exec(new URL(entry.RequestUri).pathname);
    if (register) {
      const registered = entries.slice(index + 1).find((e) => e.RequestMethod === 'GET' && new URL(e.RequestUri).pathname.toLowerCase().endsWith(`/providers/${register[1].toLowerCase()}`) && e.ResponseBody?.registrationState === 'Registered');
      if (registered) add('providerRegistration', (endOf(registered) - Date.parse(entry.StartedAt)) / 1000);
      return;
    }
    const name = OPERATIONS[`${entry.RequestMethod} ${resourceType(entry.RequestUri)}`];
    if (!name) return;
    const polls = recordedPollsOf(entries, index);
    const ended = polls.length > 0 ? polls.find(hasEnded) : entry;
    if (ended) add(name, (endOf(ended) - Date.parse(entry.StartedAt)) / 1000);
  });
  return samples;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

export function timingsTable(samples) {
  const rows = Object.entries(samples).sort(([a], [b]) => a.localeCompare(b)).map(([name, values]) =>
    `| ${name} | ${values.length} | ${median(values).toFixed(1)} | ${OPERATION_SECONDS[name] ?? '—'} |`);
  return ['| operation | samples | median s (recorded) | model s (latency.ts) |', '|---|---|---|---|', ...rows].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const directory = process.argv[2];
  if (!directory) {
    process.stderr.write('Usage: node scripts/live/timings.mjs RECORDING-FOLDER\n');
    process.exitCode = 3;
  } else {
    const { manifest, entries } = readLiveRecording(directory);
    process.stdout.write(`${manifest.source} recording, ${manifest.region}, ${manifest.recordedAt}\n${timingsTable(operationTimings(entries))}\n`);
  }
}
