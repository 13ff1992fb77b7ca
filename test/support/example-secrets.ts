/** The example secrets file as a user would keep it (a 0600 copy), and its values, which no file or output may contain. */
import { chmod, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './cli.js';

export interface ExampleSecrets {
  readonly path: string;
  readonly values: readonly string[];
}

export async function copyExampleSecrets(directory: string): Promise<ExampleSecrets> {
  const path = join(directory, 'secrets.yaml');
  await copyFile(join(ROOT, 'examples/secrets.example.yaml'), path);
  await chmod(path, 0o600);
  return { path, values: Object.values(parse(await readFile(path, 'utf8')) as Record<string, string>) };
}

/** The example secret values that occur in `text`; a test expects none. */
export function leakedExampleSecrets(secrets: ExampleSecrets, text: string): string[] {
  return secrets.values.filter((value) => text.includes(value));
}
