// Just enough IPv4/CIDR arithmetic for address-space checks and address assignment.

export interface Cidr {
  base: number;
  bits: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: address - (address % size), bits };
}

const size = (c: Cidr): number => 2 ** (32 - c.bits);

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Azure reserves the first four addresses of every subnet, so hosts start at .4. */
export function hostAddress(subnet: Cidr, index: number): string | undefined {
  const offset = 4 + index;
  return offset < size(subnet) - 1 ? formatAddress(subnet.base + offset) : undefined;
}
