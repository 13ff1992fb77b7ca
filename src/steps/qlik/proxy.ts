/** Step 45: Allow HTTP when asked, and every name the site is reached by on the virtual proxy's white list. */
import type { StepContext } from '../../engine/step.js';
import { changeOf, flag, strings, templateStep } from '../vm/template-step.js';
import { ADDRESS_STEP, computerName } from '../vm/target.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

/** The public IP, the computer name and the DNS name (step 30), then the config's own names. */
function whiteList(ctx: StepContext): string[] {
  const address = ctx.outputsOf(ADDRESS_STEP);
  const names = [address.publicIpAddress, computerName(ctx), address.fqdn, ...ctx.config.qlik.hostWhiteList];
  return [...new Set(names.filter((name): name is string => typeof name === 'string' && name.length > 0))];
}

export const proxyStep = templateStep({
  template: 'qlik/proxy.ps1',
  timeoutSeconds: 600,
  asServiceAccount: true,
  exitAdvice: { ...QRS_EXIT_ADVICE, 30: 'The repository has no default virtual proxy. Fix: check the QMC (Virtual proxies); a fresh install always has one' },
  inputs: (ctx) => ({
    parameters: {
      EnableHttp: String(ctx.config.network.enableHttp),
      HostWhiteList: whiteList(ctx).join(','),
      FormLogin: String(ctx.config.qlik.formLogin),
    },
  }),
  change: (result) => changeOf(false, flag(result, 'proxyChanged') || flag(result, 'virtualProxyChanged')),
  outputs: (result) => ({ allowHttp: flag(result, 'allowHttp'), hostWhiteList: strings(result, 'hostWhiteList') }),
});
