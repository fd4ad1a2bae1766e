import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/schema.js';
import { crestErrorBody } from './crest/errors.js';
import { JSON_TYPE } from './crest/reply.js';

/**
 * CORS for browser clients on other origins (the ForgeRock JavaScript SDK): only for configured
 * origins, always with credentials (the session cookie) and the origin reflected, never `*`.
 * Registered only when `cors.origins` is not empty, so that other deployments pay nothing.
 */
export function registerCors(app: FastifyInstance, config: Readonly<Config>): void {
  const { origins, maxAgeSeconds } = config.cors;
  if (origins.length === 0) return;
  const allowed = origins.map(toRegExp);
  const allowHeaders = [
    'accept',
    'accept-api-version',
    'content-type',
    'x-requested-with',
    'x-requested-platform',
    'authorization',
    'if-match',
    'if-none-match',
    'x-openam-username',
    'x-openam-password',
    'x-http-method-override',
    config.cookie.name.toLowerCase(),
  ].join(', ');

  app.addHook('onRequest', async function cors(request: FastifyRequest, reply: FastifyReply) {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const ok = allowed.some((pattern) => pattern.test(origin));
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!ok) {
      if (!preflight) return;
      return reply
        .code(403)
        .header('content-type', JSON_TYPE)
        .send(JSON.stringify(crestErrorBody(403, `Origin ${origin} is not allowed`)));
    }
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('vary', 'Origin');
    if (!preflight) {
      reply.header('access-control-expose-headers', 'content-api-version, warning, www-authenticate');
      return;
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS')
      .header('access-control-allow-headers', allowHeaders)
      .header('access-control-max-age', String(maxAgeSeconds))
      .send();
  });
}

/** An origin pattern: exact, or with `*` for any run of characters (`http://localhost:*`). */
function toRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i');
}
