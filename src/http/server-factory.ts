import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyServerOptions } from 'fastify';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Node's HTTP/1.1 server set up as Fastify sets up its own, with one difference: a request
 * that carries no body (no `Transfer-Encoding`, no `Content-Length` or `0`) reaches Fastify
 * without its `Content-Type`. Fastify reads the body of every POST that names a content type,
 * even when there is none to read: a stream is resumed and ended over later ticks, about an
 * eighth of what a `validate` costs (clients send `Content-Type: application/json` on their
 * bodyless session actions). Anvil's endpoints look at the content type only when a body is
 * present (crest/request.ts), so their answers stay the same.
 */
export function serverWithoutEmptyBodies(handler: Handler, options: FastifyServerOptions): Server {
  const server = createServer((request, response) => {
    const { headers } = request;
    if (
      headers['content-type'] !== undefined &&
      headers['transfer-encoding'] === undefined &&
      (headers['content-length'] === undefined || headers['content-length'] === '0')
    ) {
      headers['content-type'] = undefined;
    }
    handler(request, response);
  });
  // What Fastify's own server factory sets (lib/server.js), from the same options.
  server.keepAliveTimeout = options.keepAliveTimeout ?? 72_000;
  server.requestTimeout = options.requestTimeout ?? 0;
  server.setTimeout(options.connectionTimeout ?? 0);
  return server;
}
