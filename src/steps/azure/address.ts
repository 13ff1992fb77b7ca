/**
 * Guide step 30: the address users will type. Reads the public IP back and checks it is static, has its
 * address and the FQDN <label>.<location>.<the cloud's zone> (cloudapp.azure.com on public Azure), and is
 * attached to the VM's NIC.
 */
import { publicDnsName } from '../../azure/clouds.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { sameText } from './common.js';
import { nicId } from './nic.js';
import { readPublicIp } from './public-ip.js';
import { azureStep } from './reconcile.js';

function expectedFqdnPrefix(ctx: StepContext): string {
  // Only the label and region are compared: behind --arm-endpoint the zone is whatever that cloud uses.
  return `${ctx.config.names.dnsLabel}.${ctx.config.location}.`;
}

export const addressCheck = azureStep({
  plan: async (ctx) => ({ change: 'check', summary: `${publicDnsName(ctx.config.names.dnsLabel, ctx.config.location, ctx.azure.connection.cloud)} on a static address` }),
  async apply(ctx) {
    const { publicIp, nic } = ctx.config.names;
    const ip = await readPublicIp(ctx);
    const fail = (problem: string, advice: string): never => {
      throw new StepError(`public IP ${publicIp} ${problem}`, { code: 'PublicAddressMismatch', advice });
    };
    const rerun = "Fix: run 'qlik-azure apply --from-step 26'";
    if (!ip) return fail('does not exist', rerun);
    if (!sameText(ip.publicIPAllocationMethod, 'Static') || !ip.ipAddress) fail(`has no static address (allocation ${ip.publicIPAllocationMethod})`, rerun);
    const fqdn = ip.dnsSettings?.fqdn ?? '';
    if (!fqdn.toLowerCase().startsWith(expectedFqdnPrefix(ctx).toLowerCase())) fail(`has the name '${fqdn || '(none)'}', not ${expectedFqdnPrefix(ctx)}…`, rerun);
    const attachedTo = ip.ipConfiguration?.id ?? '';
    if (!attachedTo.toLowerCase().startsWith(`${nicId(ctx).toLowerCase()}/`)) fail(`is attached to '${attachedTo || 'nothing'}', not to ${nic}`, "Fix: run 'qlik-azure apply --from-step 25'");
    return { change: 'checked', outputs: { publicIpAddress: ip.ipAddress!, fqdn } };
  },
});
