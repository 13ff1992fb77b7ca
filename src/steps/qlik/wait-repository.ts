/** Step 41: the Qlik Repository Service answers (the guide's "open the QMC, wait if it is not up yet"). */
import { templateStep, text } from '../vm/template-step.js';
import { QRS_EXIT_ADVICE } from './qrs-advice.js';

const WAIT_SECONDS = 900;

export const waitRepositoryStep = templateStep({
  template: 'qlik/wait-repository.ps1',
  // The script's own wait, plus the time to start it.
  timeoutSeconds: WAIT_SECONDS + 300,
  asServiceAccount: true,
  exitAdvice: { ...QRS_EXIT_ADVICE, 20: 'The repository did not come up. Fix: restart the VM (az vm restart), then run qlik-azure resume' },
  inputs: () => ({ parameters: { TimeoutSeconds: String(WAIT_SECONDS) } }),
  outputs: (result) => ({ buildVersion: text(result, 'buildVersion'), qrsUrl: text(result, 'qrsUrl') }),
});
