import type { FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../domain/errors.js';
import type { JsonRequest, Query, Services } from './context.js';
import { readCookie } from './cookies.js';
import { parseAcceptApiVersion } from './crest/api-version.js';
import { newReplyState } from './crest/reply.js';
import { single } from './crest/request.js';
import { type Routed, routeRealm } from './realm-routing.js';
import { handleAnvil } from './routes/anvil-clock.js';
import { handleAuthenticate } from './routes/authenticate.js';
import { handleServerInfo } from './routes/serverinfo.js';
import { handleSessions } from './routes/sessions/index.js';
import { handleUsers } from './routes/users.js';

type EndpointHandler = (services: Services, request: JsonRequest) => Promise<unknown>;

const endpoints: Record<string, EndpointHandler> = {
  sessions: handleSessions,
  authenticate: handleAuthenticate,
  users: handleUsers,
  serverinfo: handleServerInfo,
  anvil: handleAnvil,
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Everything under `<deployment>/json/`: the steps AM's filter chain takes, in its order —
 * CSRF, the version header, the realm, then the endpoint (which checks the caller, the
 * permission and the route version, in that order).
 */
export function createJsonHandler(services: Services) {
  const { config } = services;
  const cookieName = config.cookie.name;
  const headerName = cookieName.toLowerCase();
  const prefixLength = `${config.deploymentPath}/json`.length;
  const routes = new RouteMemo(services);

  return async function handleJson(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Query;
    request.anvil = newReplyState();
    request.anvil.pretty = single(query, '_prettyPrint') === 'true';
    const { headers } = request;

    let method = request.method;
    const override = headers['x-http-method-override'];
    if (method === 'POST' && typeof override === 'string' && override !== '') method = override.toUpperCase();

    const cookieToken = readCookie(headers.cookie, cookieName);
    const headerValue = headers[headerName];
    const headerToken = typeof headerValue === 'string' && headerValue !== '' ? headerValue : undefined;
    const acceptApiVersion = headers['accept-api-version'];

    if (config.csrf.enabled && !SAFE_METHODS.has(method) && cookieToken !== undefined) {
      if (headers['x-requested-with'] === undefined && acceptApiVersion === undefined) fail('Forbidden');
    }
    const versions = parseAcceptApiVersion(
      typeof acceptApiVersion === 'string' ? acceptApiVersion : undefined,
    );
    if (headers['if-modified-since'] !== undefined) fail('IfModifiedSinceNotSupported');

    const url = request.url;
    const queryStart = url.indexOf('?');
    const { realm, rest } = routes.find(
      queryStart < 0 ? url.slice(prefixLength) : url.slice(prefixLength, queryStart),
      headers.host,
    );
    const endpoint = rest[0]?.toLowerCase() ?? '';
    const handler = endpoints[endpoint];
    if (!handler) return fail('ResourceNotFound', `Resource '${rest.join('/')}' not found`);

    return handler(services, {
      raw: request,
      reply,
      method,
      realm,
      endpoint,
      path: rest.slice(1),
      query,
      versions,
      cookieToken,
      headerToken,
      callerToken: cookieToken ?? headerToken,
      rawBody: typeof request.body === 'string' ? request.body : undefined,
    });
  };
}

/**
 * The realm and endpoint path of a `/json/…` path and Host, remembered: realms are fixed at
 * boot, and clients send the same few paths again and again (the token travels in a header).
 * Only successful routes that end at the endpoint are kept, at most `MEMO_ENTRIES` (then it
 * starts over); their `rest` arrays are frozen.
 */
class RouteMemo {
  /** Host (`''` for none) → path → route. */
  readonly #byHost = new Map<string, Map<string, Routed>>();
  #size = 0;
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  find(path: string, host: string | undefined): Routed {
    const hostKey = host ?? '';
    const known = this.#byHost.get(hostKey)?.get(path);
    if (known !== undefined) return known;
    const found = routeRealm(this.#services.realms, splitPath(path), host);
    // Paths that go on past the endpoint (a user id, a 1.x session token) are not kept.
    if (found.rest.length !== 1) return found;
    Object.freeze(found.rest);
    if (this.#size >= MEMO_ENTRIES) {
      this.#byHost.clear();
      this.#size = 0;
    }
    let forHost = this.#byHost.get(hostKey);
    if (forHost === undefined) {
      forHost = new Map();
      this.#byHost.set(hostKey, forHost);
    }
    forHost.set(path, found);
    this.#size += 1;
    return found;
  }
}

const MEMO_ENTRIES = 1000;

function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '') continue;
    if (!part.includes('%')) {
      out.push(part);
      continue;
    }
    try {
      out.push(decodeURIComponent(part));
    } catch {
      fail('BadRequest', `Malformed path element: ${part}`);
    }
  }
  return out;
}
