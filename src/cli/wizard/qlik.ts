/** Group 4, Qlik Sense: the installer, the license, and the local users (guide steps 38-44). */
import { existsSync } from 'node:fs';
import { wholeNumber, type Choice } from './ask.js';
import { heading, type WizardContext } from './context.js';
import { checkAnswer, setIn, type Draft } from './draft.js';

const INSTALLER_SOURCES: readonly Choice<'url' | 'file'>[] = [
  { value: 'url', name: 'At a download link (Qlik\'s site, or a SAS link to your own storage)' },
  { value: 'file', name: 'A file on this computer (uploaded to the deployment\'s storage account)' },
];
const LICENSE_METHODS: readonly Choice<'signed-key' | 'serial'>[] = [
  { value: 'signed-key', name: 'Signed license key (current Qlik licenses)' },
  { value: 'serial', name: 'Serial and control number (older licenses)' },
];
const LICENSE_MODELS: readonly Choice<'professional' | 'token'>[] = [
  { value: 'professional', name: 'Professional and analyzer access' },
  { value: 'token', name: 'Tokens' },
];

async function askInstaller(context: WizardContext, start: Draft): Promise<Draft> {
  const { ask } = context;
  const source = await ask.choose({ message: 'Where is Qlik_Sense_setup.exe?', choices: INSTALLER_SOURCES, default: 'url' });
  let draft = setIn(start, ['qlik', 'installer'], { source });
  if (source === 'url') {
    const standIn = context.catalog.standIns?.installerUrl;
    if (standIn) context.output.line(context.output.style.dim('  --simulate: Enter takes the simulator\'s stand-in installer; a real run needs Qlik\'s download link.'));
    const url = await ask.text({ message: 'Installer download link', ...(standIn ? { default: standIn } : {}), check: (answer) => checkAnswer(draft, ['qlik', 'installer', 'url'], answer) });
    draft = setIn(draft, ['qlik', 'installer', 'url'], url);
  } else {
    const path = await ask.text({
      message: 'Path of Qlik_Sense_setup.exe',
      // The schema cannot see the disk; whether the file is there is this question's own check.
      check: (answer) => checkAnswer(draft, ['qlik', 'installer', 'path'], answer) ?? (existsSync(answer) ? undefined : `${answer} does not exist. Fix: give the path of the downloaded installer`),
    });
    draft = setIn(draft, ['qlik', 'installer', 'path'], path);
  }
  const sha256 = await ask.text({
    message: 'Its SHA-256 checksum, verified on the VM (Enter to skip)',
    default: '',
    check: (answer) => (answer ? checkAnswer(draft, ['qlik', 'installer', 'sha256'], answer, 'paste the 64-character checksum from the download page, or leave it empty') : undefined),
  });
  return sha256 ? setIn(draft, ['qlik', 'installer', 'sha256'], sha256.toLowerCase()) : draft;
}

async function askLicense(context: WizardContext, start: Draft): Promise<Draft> {
  const { ask } = context;
  const method = await ask.choose({ message: 'License', choices: LICENSE_METHODS, default: 'signed-key' });
  const model = await ask.choose({ message: 'License model', choices: LICENSE_MODELS, default: 'professional' });
  let draft = setIn(setIn(start, ['qlik', 'license', 'method'], method), ['qlik', 'license', 'model'], model);
  if (method === 'serial') {
    // The schema asks for both together; each must at least be there.
    const present = (what: string) => (answer: string) => (answer ? undefined : `the ${what} is empty. Fix: type it as on the license`);
    draft = setIn(draft, ['qlik', 'license', 'owner'], await ask.text({ message: 'License owner (as on the license)', check: present('owner') }));
    draft = setIn(draft, ['qlik', 'license', 'organization'], await ask.text({ message: 'License organization', check: present('organization') }));
  }
  return draft;
}

export async function askQlik(context: WizardContext, start: Draft): Promise<Draft> {
  heading(context.output, 'Qlik Sense', 'installer, license and users (guide steps 38-45)');
  let draft = await askInstaller(context, start);
  draft = await askLicense(context, draft);
  const count = await context.ask.text({
    message: 'How many local Qlik users to create (QlikUser1, QlikUser2, ...)?',
    default: '2',
    check: (answer) => wholeNumber(answer) ?? checkAnswer(draft, ['qlik', 'localUsers', 'count'], Number(answer)),
  });
  return setIn(draft, ['qlik', 'localUsers', 'count'], Number(count));
}
