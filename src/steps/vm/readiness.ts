/** Step 34: the VM agent is ready, Run Command answers, and the OS is one Qlik Sense supports. */
import { StepError } from '../../engine/step.js';
import { strings, templateStep, text, type ScriptResult } from './template-step.js';

/** Windows Server 2016; the template refuses older systems too (exit 10). */
const MINIMUM_OS = [10, 0, 14393] as const;

function olderThanMinimum(version: string): boolean {
  const parts = version.split('.').map(Number);
  const differing = MINIMUM_OS.findIndex((minimum, i) => (parts[i] ?? 0) !== minimum);
  return differing >= 0 && (parts[differing] ?? 0) < MINIMUM_OS[differing]!;
}

export const readinessStep = templateStep({
  template: 'vm/readiness.ps1',
  timeoutSeconds: 300,
  exitAdvice: { 10: 'Qlik Sense needs Windows Server 2016 or later. Fix: recreate the VM with vm.image 2022-datacenter-azure-edition' },
  async before(ctx, vm) {
    const compute = await ctx.azure.compute();
    const view = await compute.virtualMachines.instanceView(vm.resourceGroup, vm.name);
    const agent = view.vmAgent?.statuses?.[0]?.displayStatus;
    if (agent !== 'Ready') {
      throw new StepError(`the VM agent of ${vm.name} is ${agent ?? 'not reporting'}, so Run Command cannot reach the VM`, { code: 'VmAgentNotReady', advice: 'Start the VM (az vm start) and wait a few minutes, then run qlik-azure resume' });
    }
  },
  inputs: () => ({}),
  check(result: ScriptResult) {
    const version = text(result, 'osVersion');
    if (olderThanMinimum(version)) {
      throw new StepError(`${text(result, 'osCaption')} (${version}) is older than Windows Server 2016`, { code: 'UnsupportedOs', advice: 'Recreate the VM with vm.image 2022-datacenter-azure-edition' });
    }
  },
  outputs: (result) => ({
    computerName: text(result, 'computerName'),
    osCaption: text(result, 'osCaption'),
    osVersion: text(result, 'osVersion'),
    qlikReleases: strings(result, 'qlikReleases'),
  }),
});
