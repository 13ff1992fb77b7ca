// Prints the README's config reference from the JSON Schema, so the two cannot drift apart
// (test/core/readme.test.ts checks the README holds this table). Run after `npm run build`.
import { configJsonSchema } from '../dist/config/schema.js';

function rows(schema, prefix = '') {
  const out = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = property.type === 'object' && property.properties ? property : property.anyOf?.find((s) => s.properties);
    const union = property.oneOf ?? property.anyOf?.find((s) => s.oneOf)?.oneOf;
    if (nested && !union) {
      out.push(...rows(nested, path));
      continue;
    }
    if (union) {
      for (const variant of union) out.push(...rows(variant, path));
      continue;
    }
    const required = (schema.required ?? []).includes(key) && property.default === undefined;
    const type = property.enum ? property.enum.map((v) => `\`${v}\``).join(' \\| ') : property.const !== undefined ? `\`${property.const}\`` : property.type === 'array' ? `${property.items?.type ?? 'any'}[]` : property.type ?? 'string';
    const fallback = property.default === undefined ? (required ? '**required**' : '') : `\`${JSON.stringify(property.default)}\``;
    out.push(`| \`${path}\` | ${type} | ${fallback} | ${(property.description ?? '').replace(/\|/g, '\\|')} |`);
  }
  return out;
}

const lines = ['| key | type | default | meaning |', '|---|---|---|---|', ...rows(configJsonSchema())];
process.stdout.write(`${[...new Map(lines.map((l) => [l, l])).values()].join('\n')}\n`);
