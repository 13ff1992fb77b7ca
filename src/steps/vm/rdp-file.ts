/**
 * Step 35: an .rdp file for administrators who want to look at the VM. The tool itself never needs RDP;
 * the file holds the address and the user name, never a password.
 */
import type { StepContext } from '../../engine/step.js';
import { artifactStep } from './artifact-step.js';
import { ADDRESS_STEP, VM_STEP } from './target.js';

function rdpFile(ctx: StepContext) {
  const address = ctx.outputsOf(ADDRESS_STEP);
  const host = String(address.fqdn || address.publicIpAddress);
  const admin = String(ctx.outputsOf(VM_STEP).adminUsername || ctx.config.vm.adminUsername);
  const lines = [`full address:s:${host}`, `username:s:${admin}`, 'prompt for credentials:i:1', 'administrative session:i:1', 'screen mode id:i:2'];
  return [{ name: `${ctx.config.deployment}.rdp`, content: `${lines.join('\r\n')}\r\n`, output: 'rdpFile' }];
}

export const rdpFileStep = artifactStep(rdpFile, (ctx) =>
  ctx.config.network.rdp.enabled ? undefined : 'RDP (3389) is closed by the network security group; set network.rdp.enabled and network.rdp.sourceCidrs to use the RDP file');
