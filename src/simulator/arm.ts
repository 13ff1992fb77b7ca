// ARM wire conventions shared by every resource provider: error bodies, response
// shape handed back to the server, resource ids and the common resource envelope.

/** Thrown by handlers; the server turns it into `{ error: { code, message, target?, details? } }`. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details?: { code: string; message: string; target?: string }[],
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.target !== undefined) error.target = this.target;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a Buffer/string (blob data plane). */
  body?: unknown;
}

export type ArmBody = Record<string, unknown> & { properties?: Record<string, unknown> };

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function providerResourceId(
  subscriptionId: string,
  resourceGroup: string,
  provider: string,
  ...typeNamePairs: string[]
): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/${provider}/${typeNamePairs.join('/')}`;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/...]` (case-insensitive). */
export function parseResourceId(
  id: string,
): { subscriptionId: string; resourceGroup: string; provider: string; segments: string[] } | undefined {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, provider, rest] = match as unknown as [string, string, string, string, string];
  return { subscriptionId, resourceGroup, provider, segments: rest.split('/') };
}

export function notFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function invalidParameter(message: string, target?: string): ArmError {
  return new ArmError(400, 'InvalidParameter', message, target);
}

/** ARM list envelope. */
export function listBody(values: unknown[]): { value: unknown[] } {
  return { value: values };
}

export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(asObject) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
