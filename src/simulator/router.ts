// Route table: ARM path templates ("/subscriptions/{subscriptionId}/...") compiled to
// case-insensitive regular expressions, because ARM paths are case-insensitive.

import type { RequestContext } from './context.js';
import type { SimResponse } from './arm.js';

export type Handler = (ctx: RequestContext) => SimResponse | Promise<SimResponse>;

export interface Route {
  method: string;
  pattern: RegExp;
  paramNames: string[];
  handler: Handler;
}

export function route(method: string, template: string, handler: Handler): Route {
  const paramNames: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        paramNames.push(param[1] as string);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}/?$`, 'i'), paramNames, handler };
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrongMethod'; allowed: string[] }
  | { kind: 'none' };

export function matchRoute(routes: Route[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const candidate of routes) {
    const match = candidate.pattern.exec(path);
    if (!match) continue;
    if (candidate.method !== method) {
      allowed.push(candidate.method);
      continue;
    }
    const params = Object.fromEntries(candidate.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
    return { kind: 'found', route: candidate, params };
  }
  return allowed.length > 0 ? { kind: 'wrongMethod', allowed } : { kind: 'none' };
}
