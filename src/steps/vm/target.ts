/**
 * What the VM steps need to know about the VM and the secrets, read from the journal and the context so
 * that an adopted VM (--existing-vm, with names of its own) is addressed exactly like one the tool made.
 */
import type { VmTarget } from '../../azure/run-command.js';
import type { SecretName } from '../../config/secrets.js';
import type { Secret } from '../../config/secrets.js';
import { StepError, type StepContext, type StepOutputs } from '../../engine/step.js';

export const VM_STEP = 29;
export const ADDRESS_STEP = 30;
export const READINESS_STEP = 34;

const VM_ID = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i;

/** The VM step 29 made or adopted, from its recorded id and region (Run Commands live in the VM's region). */
export function vmTarget(ctx: Pick<StepContext, 'outputsOf' | 'config'>): VmTarget {
  const recorded = ctx.outputsOf(VM_STEP);
  const vmId = String(recorded.vmId ?? '');
  const match = VM_ID.exec(vmId);
  if (!match) throw new StepError(`step ${VM_STEP} recorded no usable VM id ('${vmId}')`, { advice: `Run 'qlik-azure apply --from-step ${VM_STEP}'` });
  // States written before step 29 recorded the region fall back to the config's, which step 29 then matched.
  const location = typeof recorded.location === 'string' && recorded.location ? recorded.location : ctx.config.location;
  return { resourceGroup: match[1]!, name: match[2]!, location };
}

/** The Windows computer name as the VM itself reported it (step 34), which is Qlik Sense's hostname. */
export function computerName(ctx: Pick<StepContext, 'outputsOf'>): string {
  return String(ctx.outputsOf(READINESS_STEP).computerName);
}

export function requireSecret(ctx: Pick<StepContext, 'secrets'>, name: SecretName): Secret {
  const secret = ctx.secrets[name];
  if (!secret) throw new StepError(`the secret ${name} is missing`, { advice: `Add ${name} to the secrets file (see examples/secrets.example.yaml)` });
  return secret;
}

/** Whether the journal holds a finished record of this step: what `plan` goes by, without touching the VM. */
export function recorded(ctx: Pick<StepContext, 'outputsOf' | 'step'>): StepOutputs | undefined {
  try {
    return ctx.outputsOf(ctx.step);
  } catch {
    return undefined;
  }
}
