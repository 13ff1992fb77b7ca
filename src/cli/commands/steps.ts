/** `qlik-azure steps`: the catalogue of the guide's 48 steps. */
import { CATALOGUE, type CatalogueEntry } from '../../engine/catalogue.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../options.js';
import { createOutput } from '../output.js';

function describeKind(entry: CatalogueEntry): string {
  switch (entry.kind) {
    case 'folded':
      return `folded into ${entry.into}`;
    case 'info':
      return 'informational';
    default:
      return entry.dependsOn.length > 0 ? `${entry.kind}, after ${entry.dependsOn.join(', ')}` : entry.kind;
  }
}

export async function stepsCommand(options: GlobalOptions): Promise<number> {
  const output = createOutput(options);
  if (output.json) {
    output.data({ version: 1, steps: CATALOGUE });
    return EXIT.ok;
  }
  const { style } = output;
  for (const entry of CATALOGUE) {
    output.line(`${style.bold(String(entry.number).padStart(2))}  ${style.bold(entry.title)} ${style.dim(`(${describeKind(entry)})`)}`);
    output.line(`    ${style.dim('guide:')} ${entry.guide}`);
    output.line(`    ${style.dim('tool: ')} ${entry.tool}`);
  }
  const counts = CATALOGUE.reduce<Record<string, number>>((acc, entry) => ({ ...acc, [entry.kind]: (acc[entry.kind] ?? 0) + 1 }), {});
  output.line();
  output.line(`${CATALOGUE.length} steps: ${counts.action ?? 0} actions, ${counts.verify ?? 0} checks, ${counts.folded ?? 0} folded into a neighbour, ${counts.info ?? 0} informational.`);
  return EXIT.ok;
}
