import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ReplyState } from '../context.js';
import { crestErrorBody, toWire } from './errors.js';

export const JSON_TYPE = 'application/json; charset=UTF-8';
const WARNING = '100 CREST "Accept-API-Version should be included in the request."';

/** A request's reply state, with every field from the start: one object shape for all requests. */
export function newReplyState(): ReplyState {
  return { pretty: false, contentApiVersion: undefined, authV1: false, warn: false, emptyNotFound: false };
}

/** Writes a JSON answer with CREST's headers (content type, no caching, version, warning). */
export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  extraHeaders?: Record<string, string>,
) {
  const state = reply.request.anvil;
  reply.code(status);
  reply.header('content-type', JSON_TYPE);
  reply.header('cache-control', 'no-cache, no-store, must-revalidate');
  if (state.contentApiVersion) reply.header('content-api-version', state.contentApiVersion);
  if (state.warn) reply.header('warning', WARNING);
  if (extraHeaders) reply.headers(extraHeaders);
  return reply.send(state.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body));
}

/** The single place where any error becomes AM's wire answer. */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown, log: Logger) {
  const state: ReplyState = request.anvil ?? newReplyState();
  request.anvil = state;
  const { status, body, expected } = toWire(error);
  if (!expected) log.error({ err: error, reqId: request.id }, 'request failed');
  if (status === 404 && state.emptyNotFound) {
    return reply.code(404).header('cache-control', 'no-cache, no-store, must-revalidate').send('');
  }
  const wire = state.authV1 ? { errorMessage: body.message, ...(body.detail ? body.detail : {}) } : body;
  return sendJson(reply, status, wire);
}

/** Methods Fastify routes; anything else never reaches a route and is CREST's 501. */
const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function notFound(request: FastifyRequest, reply: FastifyReply) {
  request.anvil ??= newReplyState();
  if (!ROUTED_METHODS.has(request.method)) {
    return sendJson(reply, 501, crestErrorBody(501, `Method ${request.method} not supported`));
  }
  return sendJson(reply, 404, crestErrorBody(404, 'Not Found'));
}
