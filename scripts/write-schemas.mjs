#!/usr/bin/env node
// Writes schemas/*.schema.json, the JSON Schemas of the --json output, from the zod schemas in
// src/cli/machine-output.ts (build first: npx tsc). test/cli-ux/machine-output.test.ts fails when they differ.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { machineOutputJsonSchemas } = await import(join(root, 'dist/cli/machine-output.js'));
for (const [name, schema] of Object.entries(machineOutputJsonSchemas({ open: true }))) {
  writeFileSync(join(root, 'schemas', name), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote schemas/${name}`);
}
