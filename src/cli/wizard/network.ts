/**
 * Group 2, network: who may reach Qlik Sense, HTTP, and RDP. The guide opens every port to "*"; here
 * that takes an explicit, warned yes.
 */
import { isAnySource } from '../../config/rules.js';
import { heading, type WizardContext } from './context.js';
import { checkAnswer, setIn, type Draft } from './draft.js';
import { offerPublicAddress } from './my-address.js';

const list = (answer: string) => answer.split(/[\s,]+/).filter(Boolean);

async function askAllowedSources(context: WizardContext, draft: Draft): Promise<Draft> {
  const { ask, output } = context;
  const mine = await offerPublicAddress(context);
  if (!mine) output.line(output.style.dim('  Your own public address is what https://ifconfig.me shows; add your users\' office ranges.'));
  for (;;) {
    const answer = await ask.text({
      message: 'Who may reach Qlik Sense? Addresses or CIDR ranges, comma-separated (e.g. 203.0.113.0/24, 198.51.100.7)',
      ...(mine ? { default: mine } : {}),
      // "*" is judged as if opted in: whether to opt in is the next question.
      check: (text) => checkAnswer(setIn(draft, ['network', 'allowAnySource'], list(text).some(isAnySource)), ['network', 'allowedSourceCidrs'], list(text)),
    });
    const sources = list(answer);
    if (!sources.some(isAnySource)) return setIn(draft, ['network', 'allowedSourceCidrs'], sources);
    const sure = await ask.yesNo({ message: `'${sources.find(isAnySource)}' opens Qlik Sense to the whole internet, as the guide does. Allow that?`, default: false });
    if (sure) return setIn(setIn(draft, ['network', 'allowedSourceCidrs'], sources.filter((s) => !isAnySource(s))), ['network', 'allowAnySource'], true);
  }
}

export async function askNetwork(context: WizardContext, start: Draft): Promise<Draft> {
  const { ask, output } = context;
  heading(output, 'Network', 'the security group rules (guide steps 5-12)');
  let draft = await askAllowedSources(context, start);
  const http = await ask.yesNo({ message: 'Also serve plain HTTP (ports 80 and 4248)? Sign-ins would cross the network unencrypted', default: false });
  draft = setIn(draft, ['network', 'enableHttp'], http);
  const rdp = await ask.yesNo({ message: 'Open RDP (3389) for remote desktop? qlik-azure never needs it', default: false });
  draft = setIn(draft, ['network', 'rdp', 'enabled'], rdp);
  if (rdp) {
    const allowed = (draft.network as { allowedSourceCidrs?: string[] }).allowedSourceCidrs ?? [];
    const sources = await ask.text({
      message: 'Who may use RDP? Addresses or CIDR ranges, comma-separated',
      ...(allowed.length > 0 ? { default: allowed.join(', ') } : {}),
      check: (text) => checkAnswer(draft, ['network', 'rdp', 'sourceCidrs'], list(text)),
    });
    draft = setIn(draft, ['network', 'rdp', 'sourceCidrs'], list(sources));
  }
  return draft;
}
