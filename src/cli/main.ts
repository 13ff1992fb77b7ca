/**
 * The command-line program. Only commander loads at start-up; each command imports its own module when
 * it runs, so `--help` stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import { exitCodeAfter, watchOutputStreams } from './closed-output.js';
import { EXIT } from './exit-codes.js';
import type { ErrorEvent } from './failures.js';
import { parseConcurrency, parseCurrency, parseStepNumber, type GlobalOptions } from './options.js';
import { TOOL_VERSION } from './version.js';

type Handler<O extends GlobalOptions> = (options: O, command: Command) => Promise<number>;

/** Imports the command's module only when it runs; commander hands over global and local flags merged. */
function action<O extends GlobalOptions>(load: () => Promise<Handler<O>>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const handler = await load();
    process.exitCode = exitCodeAfter(await handler(command.optsWithGlobals() as O, command));
  };
}

const examples = (lines: string[]) => `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;

const fromStep = () => new Option('--from-step <n>', 're-run from guide step n onward (1-48), in dependency order').argParser(parseStepNumber);
const allRows = () => new Option('--all', 'list every guide step in the plan, not only those that change something');
const currency = () => new Option('--currency <code>', 'currency of the monthly cost estimate (Azure retail prices): USD, EUR, GBP, ...').argParser(parseCurrency).default('USD');
const toStep = () => new Option('--to-step <n>', 'stop after guide step n (1-48)').argParser(parseStepNumber);

export function buildProgram(): Command {
  const program = new Command('qlik-azure')
    .description('Provision Qlik Sense Enterprise on Azure end to end: the Qlik Sense on Azure Deployment Guide\'s 48 steps as one resumable command.')
    .version(TOOL_VERSION, '-V, --version')
    .option('-c, --config <file>', 'deployment config (YAML); default ./qlik-azure.yaml when present')
    .option('--secrets-file <file>', 'secrets (YAML, mode 0600): passwords and license; never pass secrets as flags')
    .option('--secrets-stdin', 'read the secrets YAML from standard input')
    .option('-d, --deployment <name>', 'deployment name (overrides the config)')
    .option('--state-dir <dir>', 'where state, account table and RDP file live', '.qlik-azure')
    .option('--state <url>', 'keep them in a blob container a team shares instead: azblob://<account>/<container>[/<prefix>]')
    .option('--subscription <id>', 'Azure subscription id (overrides the config)')
    .addOption(new Option('--auth <kind>', 'how to sign in to Azure').choices(['default', 'cli', 'device-code', 'browser', 'env', 'managed-identity']).default('cli'))
    .addOption(new Option('--cloud <name>', 'Azure cloud').choices(['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment']).default('AzureCloud'))
    .option('--arm-endpoint <url>', 'Resource Manager endpoint (a private endpoint, the simulator)')
    .option('--tenant <id>', 'Microsoft Entra tenant to sign in to (overrides azure.tenantId)')
    .option('--no-register-providers', 'never register Microsoft.Compute/Network/Storage with the subscription (for identities that may not); a run stops naming the az commands instead')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output (NDJSON events for runs)')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .option('-v, --verbose', 'more detail, including each Azure request')
    .option('--simulate', 'run against a local Azure simulator: nothing real is created')
    .showHelpAfterError('(run with --help for usage)')
    // Inherited by the subcommands: `apply --help` lists --simulate, --state-dir... as well as its own flags.
    .configureHelp({ showGlobalOptions: true })
    // Set before the subcommands are added, so they inherit it: usage errors exit 3, not commander's 1.
    .exitOverride()
    .addHelpText('after', examples([
      'npx qlik-azure init',
      'qlik-azure plan --offline --config examples/qlik-azure.yaml',
      'qlik-azure apply --config qlik-azure.yaml --secrets-file secrets.yaml --yes',
      'qlik-azure resume',
      'qlik-azure init --simulate --yes --config examples/qlik-azure.yaml --secrets-file secrets.yaml',
    ]));

  program.command('init')
    .description('the wizard: asks, writes qlik-azure.yaml (no secrets), shows the plan, confirms and applies')
    .option('--dry-run', 'stop after the plan (same as `plan`)')
    .option('--example', 'only write the example qlik-azure.yaml and secrets.yaml (0600) here, to edit')
    .addOption(allRows())
    .option('--generate-secrets', 'generate missing passwords into <state-dir>/<deployment>/secrets.yaml (0600)')
    .option('--existing-vm <name>', 'adopt an existing VM and start at guide step 34')
    .option('--my-ip', 'the wizard looks up this computer\'s public address (QLIK_AZURE_MY_IP_URL, default https://api.ipify.org) to offer it as the first allowed source, without asking')
    .option('--no-my-ip', 'the wizard never looks up this computer\'s public address')
    .addOption(currency())
    .addHelpText('after', examples(['qlik-azure init', 'qlik-azure init --config qlik-azure.yaml --secrets-file secrets.yaml --yes']))
    .action(action(async () => (await import('./commands/init.js')).initCommand));

  program.command('plan')
    .description('show what apply would do for each of the 48 steps, without changing anything')
    .option('--offline', 'do not contact Azure: every resource is planned as new, and the cost estimate uses cached prices only')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would')
    .addOption(allRows())
    .addOption(fromStep())
    .addOption(toStep())
    .addOption(currency())
    .addHelpText('after', examples(['qlik-azure plan --offline --config examples/qlik-azure.yaml', 'qlik-azure plan --json --detailed-exitcode']))
    .action(action(async () => (await import('./commands/plan.js')).planCommand));

  program.command('apply')
    .description('carry out the plan: create or adopt resources, install and configure Qlik Sense')
    .addOption(fromStep())
    .addOption(toStep())
    .option('--generate-secrets', 'generate missing passwords into <state-dir>/<deployment>/secrets.yaml (0600)')
    .option('--existing-vm <name>', 'adopt an existing VM and start at guide step 34')
    .addOption(new Option('--concurrency <n>', 'steps run at once (1-32)').argParser(parseConcurrency).default(6))
    .addOption(allRows())
    .addHelpText('after', examples(['qlik-azure apply --yes', 'qlik-azure apply --from-step 40', 'qlik-azure apply --to-step 33']))
    .action(action(async () => (await import('./commands/apply.js')).applyCommand));

  program.command('resume')
    .description('continue at the first unfinished step of the last run')
    .addOption(toStep())
    .addOption(new Option('--concurrency <n>', 'steps run at once (1-32)').argParser(parseConcurrency).default(6))
    .addHelpText('after', examples(['qlik-azure resume', 'qlik-azure resume --to-step 40']))
    .action(action(async () => (await import('./commands/apply.js')).resumeCommand));

  program.command('status')
    .description('the journal of each step, the outputs, where things are, and what it costs a month')
    .addOption(currency())
    .addHelpText('after', examples(['qlik-azure status', 'qlik-azure status --json --deployment qlik-prod']))
    .action(action(async () => (await import('./commands/status.js')).statusCommand));

  program.command('destroy')
    .description('delete the deployment\'s resource group and everything in it')
    .option('--confirm <name>', 'with --yes: the deployment name, typed out')
    .option('--force-foreign-group', 'also delete a resource group this tool did not create')
    .addOption(currency())
    .addHelpText('after', examples(['qlik-azure destroy', 'qlik-azure destroy --yes --confirm qlik-prod']))
    .action(action(async () => (await import('./commands/destroy.js')).destroyCommand));

  program.command('steps')
    .description('the guide\'s 48 steps and what the tool does for each')
    .addHelpText('after', examples(['qlik-azure steps', 'qlik-azure steps --json']))
    .action(action(async () => (await import('./commands/steps.js')).stepsCommand));

  const state = program.command('state').description('where the state lives, and its lock');
  state.command('migrate')
    .description('move the state (and the account table and RDP file) to a blob container a team shares, or back; refused while a run holds the lock')
    .requiredOption('--to <backend>', 'azblob://<account>/<container>[/<prefix>], or local (the --state-dir folder)')
    .addHelpText('after', examples(['qlik-azure state migrate --to azblob://qlikstate/deployments', 'qlik-azure state migrate --state azblob://qlikstate/deployments --to local']))
    .action(action(async () => (await import('./commands/state.js')).migrateCommand));
  state.command('force-unlock')
    .description('break the lock of a run that is gone for good, naming its holder (the run, if still alive, stops writing)')
    .addHelpText('after', examples(['qlik-azure state force-unlock --state azblob://qlikstate/deployments -d qlik-prod']))
    .action(action(async () => (await import('./commands/state.js')).forceUnlockCommand));

  const config = program.command('config').description('configuration helpers');
  config.command('schema')
    .description('print the JSON Schema of qlik-azure.yaml')
    .action(action(async () => (await import('./commands/config-schema.js')).configSchemaCommand));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  watchOutputStreams();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.invalidInput;
      // Commander told people on stderr; a program reading --json gets the same as an error event.
      if (error.exitCode !== 0 && argv.includes('--json')) {
        const event: ErrorEvent = { v: 1, type: 'error', exitCode: EXIT.invalidInput, code: 'flag_invalid', message: error.message.replace(/^error: /, '') };
        const { v, ...fields } = event;
        process.stdout.write(`${JSON.stringify({ v, at: new Date().toISOString(), ...fields })}\n`);
      }
      return;
    }
    throw error;
  }
}
