/** Step 43: access for the Qlik administrator and a license rule for every user (user.name like "*"). */
import { changeOf, flag, templateStep, text } from '../vm/template-step.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

export const accessStep = templateStep({
  template: 'qlik/access.ps1',
  timeoutSeconds: 600,
  asServiceAccount: true,
  exitAdvice: { ...QRS_EXIT_ADVICE, 21: 'Qlik Sense refused the allocation, most often because the license has no access left. Fix: free an allocation in the QMC, then run qlik-azure resume' },
  inputs: (ctx) => ({
    parameters: { AdminUserId: ctx.config.qlik.adminAccount, LicenseModel: ctx.config.qlik.license.model, EveryoneRule: 'true' },
  }),
  change: (result) => changeOf(
    flag(result, 'accessGroupCreated') || text(result, 'ruleAction') === 'created',
    flag(result, 'userCreated') || flag(result, 'accessAllocated') || text(result, 'ruleAction') === 'updated',
  ),
  outputs: (result) => ({ accessType: text(result, 'accessType'), everyoneRule: text(result, 'ruleAction') }),
});
