/** Step 44: the Qlik administrator account (qlik.adminAccount) becomes RootAdmin. */
import { changeOf, flag, strings, templateStep, text } from '../vm/template-step.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

export const rootAdminStep = templateStep({
  template: 'qlik/root-admin.ps1',
  timeoutSeconds: 600,
  asServiceAccount: true,
  exitAdvice: QRS_EXIT_ADVICE,
  inputs: (ctx) => ({ parameters: { AdminUserId: ctx.config.qlik.adminAccount } }),
  change: (result) => changeOf(flag(result, 'userCreated'), flag(result, 'rolesChanged')),
  outputs: (result) => ({ administrator: `${text(result, 'userDirectory')}\\${text(result, 'userId')}`, roles: strings(result, 'roles') }),
});
