/** Where Run Command is sent: the VM step 29 recorded (made or adopted), in that VM's own region. */
import { describe, expect, it } from 'vitest';
import type { StepOutputs } from '../../src/engine/step.js';
import { vmTarget } from '../../src/steps/vm/target.js';
import { resolveConfig } from '../steps/support.js';
import { VM_CONFIG } from './support.js';

const config = resolveConfig(VM_CONFIG);
const recordedVm = (outputs: StepOutputs) => ({ config, outputsOf: () => outputs });
const VM_ID = '/subscriptions/s/resourceGroups/rg-elsewhere/providers/Microsoft.Compute/virtualMachines/their-vm';

describe('vmTarget', () => {
  it('addresses the recorded VM in the region it reported, not the config\'s', () => {
    expect(config.location).toBe('westeurope');
    expect(vmTarget(recordedVm({ vmId: VM_ID, location: 'northeurope' }))).toEqual({ resourceGroup: 'rg-elsewhere', name: 'their-vm', location: 'northeurope' });
  });

  it('falls back to the config\'s region for a state recorded before the region was', () => {
    expect(vmTarget(recordedVm({ vmId: VM_ID })).location).toBe('westeurope');
  });
});
