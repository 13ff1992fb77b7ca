/** Group 3, virtual machine: the Windows image, the computer name Qlik Sense uses as its hostname, the local administrator. */
import { DEFAULT_IMAGE, WINDOWS_IMAGES, type WindowsImageSku } from '../../qlik/images.js';
import { heading, type WizardContext } from './context.js';
import { showDifference } from './cost.js';
import { checkAnswer, derivedNames, setIn, type Draft } from './draft.js';

export async function askVm(context: WizardContext, start: Draft): Promise<Draft> {
  const { ask, output } = context;
  heading(output, 'Virtual machine', 'guide steps 19-29; the size was chosen with the region');
  const image = await ask.choose<WindowsImageSku>({
    message: 'Windows Server image',
    choices: (Object.entries(WINDOWS_IMAGES) as [WindowsImageSku, string][]).map(([sku, name]) => ({ value: sku, name })),
    default: DEFAULT_IMAGE,
  });
  let draft = setIn(start, ['vm', 'image'], image);
  const derived = derivedNames(draft)?.computerName ?? '';
  const computerName = await ask.text({
    message: 'Windows computer name (Qlik Sense\'s hostname, at most 15 characters)',
    default: derived,
    check: (answer) => checkAnswer(draft, ['vm', 'computerName'], answer),
  });
  // Left out when it is the derived one, so renaming the deployment later keeps them in step.
  if (computerName !== derived) draft = setIn(draft, ['vm', 'computerName'], computerName);
  const adminUsername = await ask.text({
    message: 'VM administrator user name',
    default: 'qlikadmin',
    check: (answer) => checkAnswer(draft, ['vm', 'adminUsername'], answer),
  });
  draft = setIn(draft, ['vm', 'adminUsername'], adminUsername);
  return askLicence(context, draft);
}

/** Azure Hybrid Benefit (vm.licenseType), with what it saves a month when prices are at hand. */
async function askLicence(context: WizardContext, draft: Draft): Promise<Draft> {
  const licenseType = await context.ask.choose<'None' | 'Windows_Server'>({
    message: 'Windows Server licence',
    choices: [
      { value: 'None', name: 'Included in the VM\'s price (pay as you go)' },
      { value: 'Windows_Server', name: 'Azure Hybrid Benefit: our own licences with Software Assurance', description: 'vm.licenseType: Windows_Server; the VM is billed at the base compute rate' },
    ],
    default: 'None',
  });
  if (licenseType === 'None') return draft; // the default, left out of the file
  const chosen = setIn(draft, ['vm', 'licenseType'], licenseType);
  await showDifference(context, draft, chosen, 'Azure Hybrid Benefit');
  return chosen;
}
