/** Group 3, virtual machine: the Windows image, the computer name Qlik Sense uses as its hostname, the local administrator. */
import { DEFAULT_IMAGE, WINDOWS_IMAGES, type WindowsImageSku } from '../../qlik/images.js';
import { heading, type WizardContext } from './context.js';
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
  return setIn(draft, ['vm', 'adminUsername'], adminUsername);
}
