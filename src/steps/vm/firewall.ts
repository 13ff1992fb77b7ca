/** Step 46: Windows Firewall lets the Qlik ports in (the NSG of step 5 is the other half). */
import { qlikPorts } from '../../config/derive.js';
import { changeOf, flag, strings, templateStep } from './template-step.js';

export const firewallStep = templateStep({
  template: 'vm/firewall.ps1',
  timeoutSeconds: 300,
  inputs: (ctx) => ({ parameters: { Ports: qlikPorts(ctx.config).join(',') } }),
  change: (result) => changeOf(strings(result, 'created').length > 0, flag(result, 'changed')),
  outputs: (result) => ({ ports: strings(result, 'ports') }),
});
