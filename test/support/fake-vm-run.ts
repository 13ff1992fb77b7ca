/**
 * Runs a template on a simulated VM's executor exactly as the product sends it and Windows delivers it:
 * inside the envelope, its inputs base64url-encoded in the two envelope parameters, through the simulator's
 * model of cmd.exe and powershell.exe's parameter binding. For tests that call an executor directly.
 */
import { encodeInputs, envelopeScript, PLAIN_INPUTS, PROTECTED_INPUTS } from '../../src/azure/script-envelope.js';
import { loadTemplate } from '../../src/qlik/templates.js';
import type { RunCommandExecutor, RunCommandOutcome } from '../../src/simulator/types.js';
import { windowsEnvironment } from '../../src/simulator/windows/environment.js';
import { runThroughWindows } from '../../src/simulator/windows/run-command-transport.js';

export interface FakeVmRun {
  readonly vmName: string;
  readonly template: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly protectedInputs?: Readonly<Record<string, string>>;
}

export async function runOnVm(executor: RunCommandExecutor, run: FakeVmRun): Promise<RunCommandOutcome> {
  const script = await envelopeScript(await loadTemplate(run.template), run.template);
  const parameters = [{ name: PLAIN_INPUTS, value: encodeInputs(run.inputs) }];
  const protectedParameters = run.protectedInputs ? [{ name: PROTECTED_INPUTS, value: encodeInputs(run.protectedInputs) }] : [];
  return runThroughWindows({ script, parameters, protectedParameters, environment: windowsEnvironment(run.vmName) }, (delivery) => executor({
    subscriptionId: 'sub', resourceGroup: 'rg', vmName: run.vmName, runCommandName: 'test', script, parameters, protectedParameters, ...delivery,
  }));
}

/** The script's `##qlik-azure[result]` JSON. */
export function resultOf<T>(outcome: RunCommandOutcome): T {
  const line = outcome.output.split('\n').find((l) => l.startsWith('##qlik-azure[result] '));
  if (!line) throw new Error(`no result line (exit ${outcome.exitCode}): ${outcome.error}`);
  return JSON.parse(line.slice('##qlik-azure[result] '.length)) as T;
}
