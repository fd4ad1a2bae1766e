import type { FastifyReply, FastifyRequest } from 'fastify';
import { fail } from '../domain/errors.js';
import type { JsonRequest, Query, Services } from './context.js';
import { readCookie } from './cookies.js';
import { parseAcceptApiVersion } from './crest/api-version.js';
import { single } from './crest/request.js';
import { routeRealm } from './realm-routing.js';
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

  return async function handleJson(request: FastifyRequest, reply: FastifyReply) {
    const query = request.query as Query;
    request.anvil = { pretty: false };
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
    const segments = splitPath(
      queryStart < 0 ? url.slice(prefixLength) : url.slice(prefixLength, queryStart),
    );
    const { realm, rest } = routeRealm(services.realms, segments, headers.host);
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
