/**
 * The first allowed source, as the portal's "My IP address" offers it: this computer's public address,
 * looked up only with the user's consent (asked, or given in advance with --my-ip / --no-my-ip), and
 * then offered as the default answer, which the user still confirms or changes.
 */
import type { WizardContext } from './context.js';

export async function offerPublicAddress(context: WizardContext): Promise<string | undefined> {
  const { ask, output, catalog } = context;
  const lookup = catalog.publicAddress;
  if (!lookup || context.myIp === false) return undefined;
  const consent = context.myIp ?? await ask.yesNo({
    message: `Look up this computer's public address (asks ${lookup.source}) to offer it as the first allowed source?`,
    default: true,
  });
  if (!consent) return undefined;
  try {
    const address = await lookup.lookUp();
    output.line(output.style.dim(`  This computer reaches the internet as ${address}. Enter takes it; add your users' office ranges after a comma.`));
    return address;
  } catch (error) {
    output.line(output.style.dim(`  ${error instanceof Error ? error.message : String(error)}; type the addresses instead.`));
    return undefined;
  }
}
