import type { ProviderName } from '../providers/names.js';
import { tokenMatches } from './verify.js';

export interface Route {
  readonly provider: ProviderName;
  readonly kind: 'status' | 'validation';
}

/**
 * How each route proves who is speaking. zw signs with its webhook secret and the embedded sandbox with
 * the key in the data folder (sandbox-key.ts): the route checks the signature. Africa's Talking and Lipad
 * sign nothing: an optional path token is all the lock there is, and their unknown-transfer callbacks are
 * bounded (budget.ts).
 */
export const signedProviders: ReadonlySet<ProviderName> = new Set(['zw', 'sandbox']);

const routeNames: Record<string, Route> = {
  africastalking: { provider: 'africastalking', kind: 'status' },
  'africastalking/validation': { provider: 'africastalking', kind: 'validation' },
  lipad: { provider: 'lipad', kind: 'status' },
  zw: { provider: 'zw', kind: 'status' },
  sandbox: { provider: 'sandbox', kind: 'status' },
};

export interface RouteRules {
  /** Secret path segment: /callbacks/<provider>/<token> (zw is signed and takes none). */
  readonly pathToken?: string | undefined;
  /** The providers this listener serves (the sandbox only where its transfers can exist). */
  readonly providers: ReadonlySet<ProviderName>;
}

/** The route a path names, or why there is none (the listener's 404 line says it). */
export function resolveRoute(pathname: string, rules: RouteRules): Route | { readonly refused: string } {
  const match = /^\/callbacks\/(.+?)\/?$/.exec(pathname);
  if (!match?.[1]) return { refused: 'no such route: callbacks go to /callbacks/<provider>' };
  const parts = match[1].split('/');
  for (const name of [parts.slice(0, 2).join('/'), parts[0] ?? '']) {
    const route = routeNames[name];
    if (!route) continue;
    if (!rules.providers.has(route.provider)) return { refused: `the ${route.provider} route is not served by this listener` };
    const rest = parts.slice(name.split('/').length);
    if (route.provider === 'zw') return rest.length === 0 ? route : { refused: 'no such route: zw is signed and takes no path token' };
    if (rest.length > 1 || !tokenMatches(decoded(rest[0]), rules.pathToken)) {
      return { refused: rules.pathToken ? 'path token missing or wrong' : 'no such route: this listener has no path token' };
    }
    return route;
  }
  return {
    refused: `no such route: known providers are ${Object.keys(routeNames)
      .filter((name) => !name.includes('/'))
      .join(', ')}`,
  };
}

/** The path a route is served at, with the token where it takes one. */
export function routePath(route: Route, pathToken: string | undefined): string {
  const base = `/callbacks/${route.provider}${route.kind === 'validation' ? '/validation' : ''}`;
  return route.provider === 'zw' || !pathToken ? base : `${base}/${encodeURIComponent(pathToken)}`;
}

function decoded(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
