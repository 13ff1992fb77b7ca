#!/usr/bin/env node
// Tiny shim: everything heavy is imported lazily by the command that needs it.
// Written to parse on any Node, so an old one hears why it cannot run this (package.json engines: >=22).
var major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write('qlik-azure needs Node.js 22 or newer; this is Node ' + process.versions.node + '. Fix: install Node 22 (https://nodejs.org) and run it again.\n');
  process.exit(3);
}
import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch((error) => {
  process.stderr.write(`qlik-azure: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
