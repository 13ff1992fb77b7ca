/**
 * Step 48: with qlik.certificate, the PFX (opened by the CLI, sent as a protected parameter, never staged)
 * becomes the proxy's browser certificate. Without it there is nothing to do. Two scripts, because no one
 * identity fits both: the import into LocalMachine\My and the key grant run as LocalSystem, while QRS needs
 * the service account's client certificate, so the second runs as that account (the envelope's scheduled task).
 */
import { buffer } from 'node:stream/consumers';
import { Secret } from '../../config/secrets.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { changeOf, flag, templateStep, text } from '../vm/template-step.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

async function pfxBase64(ctx: StepContext): Promise<string> {
  const file = ctx.localFiles?.certificate;
  if (!file) throw new StepError(`the certificate ${ctx.config.qlik.certificate?.pfxFile ?? ''} was not opened by the CLI`, { advice: 'Check that qlik.certificate.pfxFile exists and is readable, then run qlik-azure resume' });
  return (await buffer(file.open())).toString('base64');
}

const keepHttp = (ctx: StepContext): string => String(ctx.config.qlik.certificate?.keepHttp ?? false);

export const certificateStep = templateStep({
  template: 'qlik/certificate-import.ps1',
  timeoutSeconds: 600,
  then: {
    template: 'qlik/certificate-proxy.ps1',
    asServiceAccount: true,
    inputs: (ctx, imported) => ({ parameters: { Thumbprint: text(imported, 'thumbprint'), KeepHttp: keepHttp(ctx) } }),
  },
  skipReason: (ctx) => (ctx.config.qlik.certificate ? undefined : 'no qlik.certificate configured; Qlik Sense keeps its self-signed certificate'),
  exitAdvice: {
    ...QRS_EXIT_ADVICE,
    40: 'The PFX could not be read. Fix: check qlik.certificate.pfxFile and pfxPassword in the secrets file (left out for a PFX without a password); the PFX must hold the private key',
    41: 'The certificate has expired. Fix: renew it and point qlik.certificate.pfxFile at the new PFX',
  },
  async inputs(ctx) {
    return {
      parameters: { ServiceAccount: ctx.config.qlik.serviceAccount },
      // No pfxPassword in the secrets file: a PFX without a password, which the script imports as such.
      secretParameters: { PfxBase64Key: new Secret(await pfxBase64(ctx)), ...(ctx.secrets.pfxPassword ? { PfxPassword: ctx.secrets.pfxPassword } : {}) },
    };
  },
  change: (result) => changeOf(flag(result, 'imported'), flag(result, 'privateKeyGranted') || flag(result, 'proxyChanged')),
  outputs: (result) => ({ thumbprint: text(result, 'thumbprint'), subject: text(result, 'subject'), notAfter: text(result, 'notAfter'), allowHttp: flag(result, 'allowHttp') }),
});
