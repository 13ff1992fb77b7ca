// The last word on a recording before anyone may publish it: no value of the secrets file (nor of the
// passwords the run generated) survives in any file, in any encoding the sanitiser's check knows
// (raw, JSON-escaped, URL-encoded, base64, base64url). A file that holds one is deleted, and the run fails.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { survivingSecrets } from '../../dist/azure/sanitise.js';

/** The string values of a secrets YAML file, by name; {} when the file does not exist. */
export function readSecretValues(path) {
  if (!path || !existsSync(path)) return {};
  const document = parse(readFileSync(path, 'utf8')) ?? {};
  return Object.fromEntries(Object.entries(document).filter(([, value]) => typeof value === 'string' || typeof value === 'number').map(([name, value]) => [name, String(value)]));
}

/** Checks every file of the recording; returns the findings (file and secret names, never values) after deleting those files. */
export function refuseLeakingFiles(directory, secrets) {
  if (!existsSync(directory)) return [];
  const findings = [];
  for (const file of readdirSync(directory).sort()) {
    const path = join(directory, file);
    const names = survivingSecrets(readFileSync(path, 'utf8'), secrets);
    if (names.length === 0) continue;
    findings.push({ file, names });
    rmSync(path);
  }
  return findings;
}

export function writeManifest(directory, manifest) {
  writeFileSync(join(directory, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}
