// Secret handling. The request log must never show a secret (other suites assert
// that from it), and ARM itself never returns write-only secrets on GET.

export const REDACTED = '[REDACTED]';

/** Property names whose string values are secrets: passwords, keys, protected settings. */
const SECRET_NAME = /password|secret|key$|keys$|^key|protectedSettings/i;

/** Deep copy with every secret value replaced by "[REDACTED]". */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    if (name === 'protectedParameters' && Array.isArray(inner)) {
      out[name] = inner.map((p: unknown) => ({ ...(p as object), value: REDACTED }));
    } else if (SECRET_NAME.test(name) && (typeof inner === 'string' || typeof inner === 'number')) {
      out[name] = REDACTED;
    } else {
      out[name] = redactSecrets(inner);
    }
  }
  return out;
}
