// A template run as the product sends it (src/azure/run-command.ts): inside the envelope, with its inputs in
// -QlikInputs / -QlikProtectedInputs, through the simulator's Windows Run Command transport (the raw command
// line, cmd.exe, PowerShell's binding), to an executor. For tests that call a VM executor without ARM.
import { loadTemplate } from '../../src/qlik/templates.js';
import { encodeInputs, envelopeScript, PLAIN_INPUTS, PROTECTED_INPUTS, RUN_AS_ACCOUNT, RUN_AS_PASSWORD, RUN_AS_TIMEOUT } from '../../src/azure/script-envelope.js';
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

/** The script text and the two inputs, as src/azure/run-command.ts sends them (runAs included). */
export async function envelopeRequest(run: EnvelopeRun) {
  const plain = { ...run.plain, ...(run.runAs ? { [RUN_AS_ACCOUNT]: run.runAs.account, [RUN_AS_TIMEOUT]: '120' } : {}) };
  const secret = { ...run.secret, ...(run.runAs ? { [RUN_AS_PASSWORD]: run.runAs.password } : {}) };
  return {
    script: await envelopeScript(await loadTemplate(run.template), run.template),
    parameters: [{ name: PLAIN_INPUTS, value: encodeInputs(plain) }],
    protectedParameters: [{ name: PROTECTED_INPUTS, value: encodeInputs(secret) }],
  };
}

export async function runInEnvelope(executor: RunCommandExecutor, run: EnvelopeRun): Promise<RunCommandOutcome> {
  const request = await envelopeRequest(run);
  const base = { subscriptionId: 'sub', resourceGroup: 'rg', vmName: run.vmName, runCommandName: run.template.replace(/\W/g, '-'), ...request };
  return runThroughWindows({ ...request, environment: windowsEnvironment(run.computerName) }, (delivery) => executor({ ...base, ...delivery }));
}
