/**
 * Sanitises what the recorder (recorder.ts) writes of a session with Azure, before it touches the disk:
 * secrets, tokens, subscription and tenant ids, SAS signatures, public IPs and host names become stable
 * placeholders (the same value always becomes the same placeholder within one sanitiser), so a recording
 * can be published and replayed against the simulator.
 *
 * It lives in the product tree because the recorder runs inside the CLI's own process, and nothing raw may
 * be written first and cleaned later. The recorder does not know the secret values (they stay with the
 * steps), so removal is by shape: fields named like secrets (config/secrets.ts SECRET_FIELD), Run Command's
 * protected parameters, bearer tokens and JWTs, SAS signatures, certificate/PFX base64. `survivingSecrets`
 * is the proof the live runner makes afterwards with the real values, in every encoding they may take.
 */
import { SECRET_FIELD } from '../config/secrets.js';

/** The subscription placeholder: the one test-proxy recordings of the Azure SDKs use too. */
export const SUBSCRIPTION_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const SUBSCRIPTION_IN_PATH = new RegExp(`/subscriptions/(${GUID})`, 'gi');
const TENANT_IN_SAS = new RegExp(`[?&]sktid=(${GUID})`, 'gi');
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*/g;
/** A SAS link's signature; the other SAS fields (expiry, permissions) say nothing secret and help a reader. */
const SAS_SIGNATURE = /([?&](?:amp;)?sig=)[^&"'\s<>\\]+/gi;
/** DER in base64 starts with "MII" (a SEQUENCE over 256 bytes): PFX files, certificates. */
const DER_BASE64 = /MII[A-Za-z0-9+/_-]{200,}={0,2}/g;
const CLOUDAPP_FQDN = /\b([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)\.([a-z0-9]+)\.(cloudapp\.azure\.com|cloudapp\.chinacloudapi\.cn|cloudapp\.usgovcloudapi\.net)\b/gi;
const IPV4 = /(?<![\d.])((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})(?![\d.]*\d)/g;
const BASE64_JSON = /^[A-Za-z0-9+/_-]{8,}={0,2}$/;

/** Addresses that identify nobody: private, loopback, link-local, documentation ranges, and our own placeholders. */
function isPublicIpv4(address: string): boolean {
  const [a, b, c] = address.split('.').map(Number) as [number, number, number];
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  if (a === 169 && b === 254) return false;
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return false;
  return true;
}

const redacted = (name: string) => `<REDACTED:${name}>`;

/** One value → one placeholder, numbered in the order values are first seen. */
class Placeholders {
  readonly #byValue = new Map<string, string>();
  /** `made` recognises a placeholder: sanitising twice (recorder, then runner) must leave placeholders alone. */
  constructor(private readonly make: (index: number) => string, private readonly made: RegExp) {}
  for(value: string): string {
    if (this.made.test(value)) return value;
    const key = value.toLowerCase();
    let placeholder = this.#byValue.get(key);
    if (!placeholder) this.#byValue.set(key, (placeholder = this.make(this.#byValue.size + 1)));
    return placeholder;
  }
  values(): string[] {
    return [...this.#byValue.keys()];
  }
}

export class Sanitiser {
  readonly #subscriptions = new Placeholders((n) => (n === 1 ? SUBSCRIPTION_PLACEHOLDER : `00000000-0000-0000-0000-${String(n - 1).padStart(12, '0')}`), /^00000000-0000-0000-0000-\d{12}$/);
  readonly #tenants = new Placeholders((n) => `11111111-0000-0000-0000-${String(n).padStart(12, '0')}`, /^11111111-0000-0000-0000-\d{12}$/);
  /** Public IPs become addresses of TEST-NET-2 (RFC 5737), which never routes. */
  readonly #ips = new Placeholders((n) => `198.51.100.${n}`, /^198\.51\.100\./);
  readonly #hostLabels = new Placeholders((n) => `host-${n}`, /^host-\d+$/);

  /** A JSON value with secret fields replaced and every string sanitised as text. */
  json(value: unknown): unknown {
    this.#learn(JSON.stringify(value ?? null));
    return this.#json(value, false);
  }

  /** Free text (a URL, a header, an output line). */
  text(value: string): string {
    this.#learn(value);
    return this.#text(value);
  }

  /** Learns the ids and names to replace before replacing, so the first mention is replaced as well as later ones. */
  #learn(text: string): void {
    for (const match of text.matchAll(SUBSCRIPTION_IN_PATH)) this.#subscriptions.for(match[1]!);
    for (const match of text.matchAll(TENANT_IN_SAS)) this.#tenants.for(match[1]!);
    for (const match of text.matchAll(new RegExp(`"(?:tenantId|homeTenantId)"\\s*:\\s*"(${GUID})"`, 'gi'))) this.#tenants.for(match[1]!);
    for (const match of text.matchAll(/"domainNameLabel"\s*:\s*"([^"]+)"/gi)) this.#hostLabels.for(match[1]!);
  }

  #json(value: unknown, secretField: boolean, fieldName = 'value'): unknown {
    if (typeof value === 'string') return secretField ? redacted(fieldName) : this.#string(value);
    if (typeof value === 'number') return secretField ? redacted(fieldName) : value;
    if (Array.isArray(value)) return value.map((item) => this.#json(item, secretField, fieldName));
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    // { "name": "LicenseSerial", "value": "…" }: the value is as secret as its name says.
    const namedSecret = typeof record.name === 'string' && SECRET_FIELD.test(record.name);
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) {
      if (key === 'protectedParameters' && Array.isArray(inner)) {
        out[key] = inner.map((p: Record<string, unknown>) => ({ ...p, value: redacted(String(p.name ?? key)) }));
      } else if (key === 'domainNameLabel' && typeof inner === 'string') {
        out[key] = this.#hostLabels.for(inner);
      } else {
        const secret = secretField || SECRET_FIELD.test(key) || (namedSecret && key === 'value');
        out[key] = this.#json(inner, secret, namedSecret && key === 'value' ? String(record.name) : key);
      }
    }
    return out;
  }

  /** A string; one holding base64 of JSON (Run Command's QlikInputs) is decoded, sanitised and encoded again. */
  #string(value: string): string {
    const decoded = BASE64_JSON.test(value) ? decodeJson(value) : undefined;
    if (decoded) return Buffer.from(JSON.stringify(this.#json(decoded.value, false)), 'utf8').toString(decoded.encoding);
    return this.#text(value);
  }

  #text(value: string): string {
    let text = value
      .replace(BEARER, 'Bearer <token>')
      .replace(JWT, '<jwt>')
      .replace(SAS_SIGNATURE, '$1<sas-signature>')
      .replace(DER_BASE64, '<der-base64>')
      .replace(CLOUDAPP_FQDN, (_, label: string, region: string, zone: string) => `${this.#hostLabels.for(label)}.${region}.${zone}`)
      .replace(IPV4, (address: string) => (isPublicIpv4(address) ? this.#ips.for(address) : address));
    for (const id of this.#subscriptions.values()) text = text.replace(new RegExp(id, 'gi'), this.#subscriptions.for(id));
    for (const id of this.#tenants.values()) text = text.replace(new RegExp(id, 'gi'), this.#tenants.for(id));
    return text;
  }
}

function decodeJson(value: string): { value: object; encoding: 'base64' | 'base64url' } | undefined {
  const encoding = /[-_]/.test(value) ? 'base64url' : 'base64';
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, encoding).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? { value: parsed, encoding } : undefined;
  } catch {
    return undefined;
  }
}

const jsonEscaped = (value: string) => JSON.stringify(value).slice(1, -1);

/** A distinctive secret cannot turn up by chance, so it is looked for inside longer text and encodings too. */
function isDistinctive(value: string): boolean {
  return value.length >= 8 && /\D/.test(value) && new Set(value).size >= 5;
}

/**
 * The parts of base64 (and base64url) of any text that contains `value` which are the same whatever
 * surrounds it: one per byte alignment (0, 1 or 2 bytes before it within its 3-byte group).
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const middle = encoded.slice(start, end);
    if (middle.length >= 8) forms.push(middle, middle.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/** Every form a secret may take in a recording: as is, JSON-escaped, URL-encoded (both ways), in base64. */
function encodedForms(value: string): string[] {
  return [...new Set([value, jsonEscaped(value), encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), ...base64Forms(value)])];
}

/** The text, and the text of every base64 run in it that decodes to readable UTF-8 (one level down). */
function decodedLayers(text: string): string[] {
  const layers = [text];
  for (const match of text.matchAll(/[A-Za-z0-9+/_-]{12,}={0,2}/g)) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const decoded = Buffer.from(match[0], encoding).toString('utf8');
      if (!decoded.includes('\uFFFD') && /^[\x20-\x7E\s]*$/.test(decoded)) layers.push(decoded);
    }
  }
  return layers;
}

/** Whole words (and JSON values) that equal a short secret, which may otherwise occur inside ids by chance. */
function holdsWholeValue(text: string, value: string): boolean {
  return text.split(/[\s|,;:=<>"'`()[\]{}\\/?&]+/).includes(value);
}

/**
 * The names of the secrets whose values survive anywhere in `text`, in any encoding above; empty when the
 * recording is clean. Never returns a value.
 */
export function survivingSecrets(text: string, secrets: Readonly<Record<string, string>>): string[] {
  const layers = decodedLayers(text);
  return Object.entries(secrets)
    .filter(([, value]) => value.length >= 4)
    .filter(([, value]) =>
      isDistinctive(value)
        ? encodedForms(value).some((form) => layers.some((layer) => layer.includes(form)))
        : layers.some((layer) => holdsWholeValue(layer, value)))
    .map(([name]) => name);
}
