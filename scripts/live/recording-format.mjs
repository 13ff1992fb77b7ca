// Reading recorded ARM sessions: the live test's folders (a manifest and one NDJSON file of test-proxy
// entries per CLI command, written by src/azure/recorder.ts) and the long-running operations in them.
// Shared by the replay harness (test/support/replay.ts) and the timings tool (timings.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Operation status URLs; Compute's managed disks poll on `DiskOperations` (js-vm-delete.json). */
export const isPoll = (uri) => /\/(operations|operationresults|asyncoperations|diskoperations)\//i.test(uri);
/** A header by name, whatever its case (test-proxy keeps Azure's, the recorder writes lower case). */
export const header = (headers, name) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
export const pathAndQuery = (uri) => uri.replace(/^https:\/\/[^/]+/, '');

/**
 * A live-test recording: its manifest, and each phase's exchanges in the order they were sent (the
 * recorder appends them as they end; StartedAt puts them back in order).
 */
export function readLiveRecording(directory) {
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8'));
  const entries = manifest.phases.flatMap(({ phase }) => {
    let text = '';
    try {
      text = readFileSync(join(directory, `${phase}.ndjson`), 'utf8');
    } catch {
      return []; // a phase that sent nothing to Azure
    }
    const phaseEntries = text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    return phaseEntries.map((entry, order) => ({ entry, order })).sort((a, b) => (a.entry.StartedAt ?? '').localeCompare(b.entry.StartedAt ?? '') || a.order - b.order).map(({ entry }) => entry);
  });
  return { manifest, entries };
}

const lroUrls = (entry) => ['azure-asyncoperation', 'location'].map((name) => header(entry.ResponseHeaders, name)).filter((u) => typeof u === 'string').map(pathAndQuery);

/**
 * The polls of the LRO `entries[index]` started: those of its operation URLs, followed from poll to poll
 * (a 202 poll may name the next URL) among other work going on, else the polls right after it.
 */
export function recordedPollsOf(entries, index) {
  const urls = new Set(lroUrls(entries[index]));
  if (urls.size === 0) return [];
  const byUrl = [];
  for (const e of entries.slice(index + 1)) {
    if (!isPoll(e.RequestUri) || !urls.has(pathAndQuery(e.RequestUri))) continue;
    byUrl.push(e);
    for (const next of lroUrls(e)) urls.add(next);
  }
  if (byUrl.length > 0) return byUrl;
  const following = [];
  for (const e of entries.slice(index + 1)) {
    if (!isPoll(e.RequestUri)) break;
    following.push(e);
  }
  return following;
}
