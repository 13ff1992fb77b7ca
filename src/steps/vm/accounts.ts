/** Step 38: the Qlik service account, the Qlik administrator and the local users. */
import { changeOf, flag, strings, templateStep } from './template-step.js';
import { requireSecret } from './target.js';

export const accountsStep = templateStep({
  template: 'vm/accounts.ps1',
  timeoutSeconds: 600,
  exitAdvice: { 30: 'Windows refused an account, most often because a password breaks the local password policy. Fix: choose a longer password with upper and lower case, digits and symbols in the secrets file' },
  inputs(ctx) {
    const { qlik } = ctx.config;
    const users = qlik.localUsers.count > 0;
    return {
      parameters: {
        ServiceAccountName: qlik.serviceAccount,
        AdminAccountName: qlik.adminAccount,
        LocalUserPrefix: qlik.localUsers.prefix,
        LocalUserCount: String(qlik.localUsers.count),
      },
      secretParameters: {
        ServiceAccountPassword: requireSecret(ctx, 'serviceAccountPassword'),
        AdminAccountPassword: requireSecret(ctx, 'qlikAdminPassword'),
        ...(users ? { LocalUserPassword: requireSecret(ctx, 'localUserPassword') } : {}),
      },
    };
  },
  change: (result) => changeOf(strings(result, 'created').length > 0, flag(result, 'changed')),
  outputs: (result) => ({ accounts: [...strings(result, 'created'), ...strings(result, 'updated'), ...strings(result, 'unchanged')] }),
});
