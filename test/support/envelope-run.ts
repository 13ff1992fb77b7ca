// A template run as the product sends it (src/azure/run-command.ts): inside the envelope, with its inputs in
// -QlikInputs / -QlikProtectedInputs, through the simulator's Windows Run Command transport (the raw command
// line, cmd.exe, PowerShell's binding), to an executor. For tests that call a VM executor without ARM.
import { loadTemplate } from '../../src/qlik/templates.js';
import { envelopeInputs } from '../../src/azure/run-command.js';
import { encodeInputs, envelopeScript, PLAIN_INPUTS, PROTECTED_INPUTS } from '../../src/azure/script-envelope.js';
import { Secret } from '../../src/config/secrets.js';
import type { RunCommandExecutor, RunCommandOutcome } from '../../src/simulator/types.js';
import { windowsEnvironment } from '../../src/simulator/windows/environment.js';
import { runThroughWindows } from '../../src/simulator/windows/run-command-transport.js';

export interface EnvelopeRun {
  vmName: string;
  computerName: string;
  template: string;
  plain?: Record<string, string>;
  secret?: Record<string, string>;
  /** The service account the envelope's scheduled task runs the template as (steps 41-45, 48). */
  runAs?: { account: string; password: string };
}

/** The script text and the two inputs, built by src/azure/run-command.ts itself (runAs included). */
export async function envelopeRequest(run: EnvelopeRun) {
  const inputs = envelopeInputs({
    parameters: run.plain ?? {},
    secretParameters: Object.fromEntries(Object.entries(run.secret ?? {}).map(([name, value]) => [name, new Secret(value)])),
    runsAs: run.runAs ? { serviceAccount: run.runAs.account, password: new Secret(run.runAs.password) } : 'LocalSystem',
    timeoutSeconds: 180,
  });
  return {
    script: await envelopeScript(await loadTemplate(run.template), run.template),
    parameters: [{ name: PLAIN_INPUTS, value: encodeInputs(inputs.plain) }],
    protectedParameters: [{ name: PROTECTED_INPUTS, value: encodeInputs(inputs.protected) }],
  };
}

export async function runInEnvelope(executor: RunCommandExecutor, run: EnvelopeRun): Promise<RunCommandOutcome> {
  const request = await envelopeRequest(run);
  const base = { subscriptionId: 'sub', resourceGroup: 'rg', vmName: run.vmName, runCommandName: run.template.replace(/\W/g, '-'), ...request };
  return runThroughWindows({ ...request, environment: windowsEnvironment(run.computerName) }, (delivery) => executor({ ...base, ...delivery }));
}
