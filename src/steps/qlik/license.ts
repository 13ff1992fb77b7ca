/** Step 42: the site's license, from a signed key or a serial and control number (+ LEF offline). */
import type { Secret } from '../../config/secrets.js';
import type { StepContext } from '../../engine/step.js';
import { templateStep, text } from '../vm/template-step.js';
import { requireSecret } from '../vm/target.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

function licenseSecrets(ctx: StepContext): Record<string, Secret> {
  if (ctx.config.qlik.license.method === 'signed-key') return { SignedLicenseKey: requireSecret(ctx, 'licenseKey') };
  return {
    SerialKey: requireSecret(ctx, 'licenseSerial'),
    ControlKey: requireSecret(ctx, 'licenseControl'),
    ...(ctx.secrets.licenseLef ? { LefKey: ctx.secrets.licenseLef } : {}),
  };
}

export const licenseStep = templateStep({
  template: 'qlik/license.ps1',
  timeoutSeconds: 600,
  asServiceAccount: true,
  exitAdvice: {
    ...QRS_EXIT_ADVICE,
    21: 'Qlik Sense refused the license. Fix: check the license key (or serial and control number) in the secrets file; without internet access on the VM add licenseLef',
    31: 'The license is expired, invalid or blacklisted. Fix: ask Qlik for a valid license and update the secrets file',
    32: 'The site already has a signed license key, and Qlik cannot go back to a serial. Fix: use qlik.license.method: signed-key',
  },
  inputs(ctx) {
    const { license } = ctx.config.qlik;
    const owner: Record<string, string> = license.method === 'serial' ? { LicenseOwner: license.owner ?? '', LicenseOrganization: license.organization ?? '' } : {};
    return { parameters: owner, secretParameters: licenseSecrets(ctx) };
  },
  change: (result) => ({ created: 'create', updated: 'update' } as const)[text(result, 'action')] ?? 'unchanged',
  outputs: (result) => ({ mode: text(result, 'mode'), licenseId: text(result, 'licenseId') }),
});
