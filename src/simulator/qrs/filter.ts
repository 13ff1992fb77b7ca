// The subset of the QRS filter language the step scripts use:
//   userId eq 'QSAdmin' and userDirectory eq 'QLIKVM01'
//   user.id eq 5f1c...   defaultVirtualProxy eq true
// Anything else is rejected with an error so a script relying on more fails loudly in tests.

export type Entity = Record<string, unknown>;
export type EntityPredicate = (entity: Entity) => boolean;

const clause = /^\s*([A-Za-z][\w.]*)\s+eq\s+('(?:[^']|'')*'|[\w-]+)\s*$/i;

export function parseQrsFilter(filter: string | null): EntityPredicate {
  if (filter === null || filter.trim() === '') return () => true;
  const tests = filter.split(/\s+and\s+/i).map((part) => {
    const match = clause.exec(part);
    if (!match) throw new Error(`unsupported filter clause: ${part}`);
    const [, path = '', literal = ''] = match;
    const expected = parseLiteral(literal);
    return (entity: Entity) => sameValue(readPath(entity, path), expected);
  });
  return (entity) => tests.every((test) => test(entity));
}

function parseLiteral(literal: string): string | boolean {
  if (literal.startsWith("'")) return literal.slice(1, -1).replaceAll("''", "'");
  if (/^(true|false)$/i.test(literal)) return literal.toLowerCase() === 'true';
  return literal;
}

function readPath(entity: Entity, path: string): unknown {
  let current: unknown = entity;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    // QRS property names in filters are case-insensitive (hostName vs hostname).
    const record = current as Record<string, unknown>;
    const actual = Object.keys(record).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
    current = actual === undefined ? undefined : record[actual];
  }
  return current;
}

// QRS compares strings case-insensitively (user ids, directories, names).
function sameValue(actual: unknown, expected: string | boolean): boolean {
  if (typeof expected === 'boolean') return actual === expected;
  return typeof actual === 'string' && actual.toLowerCase() === expected.toLowerCase();
}
