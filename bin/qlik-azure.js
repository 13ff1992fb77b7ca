#!/usr/bin/env node
// Tiny shim: everything heavy is imported lazily by the command that needs it.
// A reader that closes early (`qlik-azure steps | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch((error) => {
  process.stderr.write(`qlik-azure: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
