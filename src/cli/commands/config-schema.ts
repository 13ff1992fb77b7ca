/** `qlik-azure config schema`: the JSON Schema of qlik-azure.yaml, from the same source as validation. */
import { configJsonSchema } from '../../config/schema.js';
import { EXIT } from '../exit-codes.js';

export async function configSchemaCommand(): Promise<number> {
  process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return EXIT.ok;
}
