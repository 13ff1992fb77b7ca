/**
 * Step 40: Qlik Sense Enterprise, central node, installed silently. The installer comes from a URL, or from
 * a local file the CLI opens and this step stages in the deployment's storage account; either way the VM
 * downloads it and checks its SHA-256. The script runs as LocalSystem (Run Command's default) and starts
 * the installer as the service account through a scheduled task: the installer refuses LocalSystem, and a
 * Run Command runAsUser logon gets a UAC-filtered token on which it would wait for a consent prompt.
 */
import { stageLocalFile } from '../../azure/installer-staging.js';
import { Secret } from '../../config/secrets.js';
import { StepError, type StepContext } from '../../engine/step.js';
import { flag, templateStep, text } from './template-step.js';
import { computerName, requireSecret } from './target.js';

/** How long the script waits for the installer, and then as long again for the services. */
const INSTALLER_TIMEOUT_MINUTES = 25;
/** Both waits and the download (ten minutes) fit in the run command's timeout: one hour. */
const INSTALL_TIMEOUT_SECONDS = (2 * INSTALLER_TIMEOUT_MINUTES + 10) * 60;
/**
 * Only the config's release is sent. Without it the script keeps the one release the VM has, or installs
 * the installer's own, and reports what is installed (result key `release`): a guess sent here would be
 * stale on a resume after the installer ran (step 34 looked before it), and the script would refuse it.
 */
function releaseParameter(ctx: StepContext): { ReleaseName?: string } {
  return ctx.config.qlik.releaseName ? { ReleaseName: ctx.config.qlik.releaseName } : {};
}

async function installerSource(ctx: StepContext): Promise<{ url: string; sha256?: string }> {
  const installer = ctx.config.qlik.installer;
  if (!installer) throw new StepError('no Qlik Sense installer is configured', { advice: 'Set qlik.installer (source: url with a download link, or source: file with a local path) in the config' });
  if (installer.source === 'url') return { url: installer.url, ...(installer.sha256 ? { sha256: installer.sha256 } : {}) };
  const file = ctx.localFiles?.installer;
  if (!file) throw new StepError(`the installer ${installer.path} was not opened by the CLI`, { advice: 'Check that the file exists and is readable, then run qlik-azure resume' });
  // The SAS only has to outlive the download at the start of the install.
  const staged = await stageLocalFile(ctx, file, { expectedSha256: installer.sha256, ttlSeconds: INSTALL_TIMEOUT_SECONDS });
  if (staged.uploaded) ctx.note(`staged ${file.name} at ${staged.location}`);
  return { url: staged.url, sha256: staged.sha256 };
}

export const installStep = templateStep({
  template: 'vm/install-qlik.ps1',
  timeoutSeconds: INSTALL_TIMEOUT_SECONDS,
  exitAdvice: {
    20: 'The VM could not download the installer. Fix: check that qlik.installer.url is reachable from Azure (a SAS link must not have expired)',
    21: 'The installer does not match qlik.installer.sha256. Fix: download it again or correct the checksum',
    22: 'Windows would not start the installer as the service account. Fix: check that step 38 created it and that serviceAccountPassword in the secrets file is its password, then run qlik-azure resume',
    23: 'The Qlik Sense installer failed. Fix: read its log on the VM (the path is in the message) and the full output, then run qlik-azure resume',
    24: 'The installer or the Qlik Sense services did not finish in time. Fix: restart the VM (az vm restart), then run qlik-azure resume',
    25: 'The installer asks for a restart. Fix: az vm restart, then run qlik-azure resume',
    26: 'Another Qlik Sense release is installed (or, with qlik.releaseName unset, several are). Fix: set qlik.releaseName to the installed release, or use a fresh VM',
    27: 'The script ran without administrator rights. Fix: run it as LocalSystem (no runAsUser), as this tool does',
  },
  async inputs(ctx) {
    const installer = await installerSource(ctx);
    return {
      parameters: {
        ...(installer.sha256 ? { InstallerSha256: installer.sha256 } : {}),
        ...releaseParameter(ctx),
        ServiceAccountName: ctx.config.qlik.serviceAccount,
        Hostname: computerName(ctx),
        SharedFolderPath: ctx.config.qlik.sharedFolder,
        TimeoutMinutes: String(INSTALLER_TIMEOUT_MINUTES),
      },
      secretParameters: {
        // A SAS (minted for a staged file, or the user's own) is a credential to the blob: protected, like a password.
        InstallerUrl: new Secret(installer.url),
        ServiceAccountPassword: requireSecret(ctx, 'serviceAccountPassword'),
        RepositoryDbPassword: requireSecret(ctx, 'repositoryDbPassword'),
      },
    };
  },
  change: (result) => (flag(result, 'changed') ? 'create' : 'unchanged'),
  outputs: (result) => ({ release: text(result, 'release'), hostname: text(result, 'hostname'), sharePath: text(result, 'sharePath') }),
});
