/** Advice for the exit codes every QRS template shares (templates/qlik/qrs.ps1). */
export const QRS_EXIT_ADVICE: Readonly<Record<number, string>> = {
  20: 'The Qlik Repository Service did not answer. Fix: check that QlikSenseRepositoryService runs on the VM (restart the VM if not), then run qlik-azure resume',
  22: 'The repository entity kept changing during the update. Fix: make sure nobody edits it in the QMC at the same time, then run qlik-azure resume',
  23: 'The Qlik client certificate was not found in the service account\'s store. Fix: check that step 40 finished and that qlik.serviceAccount is the account Qlik Sense runs as',
};
