#!/usr/bin/env node
// Tiny shim: everything heavy is imported lazily by the command that needs it.
import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch((error) => {
  process.stderr.write(`qlik-azure: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
