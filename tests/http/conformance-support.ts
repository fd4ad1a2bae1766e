import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

/**
 * Small helpers shared by the HTTP conformance tests (spec §11). They only look at what goes over
 * the wire: status, headers and body.
 */

export const ROOT = '/am/json/realms/root';
export const ALPHA = '/am/json/realms/root/realms/alpha';
export const V1 = 'resource=1.0, protocol=1.0';
export const V2 = 'resource=2.0, protocol=1.0';
export const V4 = 'resource=4.0, protocol=1.0';
export const V5 = 'resource=5.1, protocol=1.0';
export const JSON_UTF8 = 'application/json; charset=UTF-8';

/** AM's reason phrases (spec §2.5). */
export const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Time-out',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export const ACCESS_DENIED = { code: 401, reason: 'Unauthorized', message: 'Access Denied' };
export const FORBIDDEN = { code: 403, reason: 'Forbidden', message: 'Forbidden' };

export interface PostOptions {
  url: string;
  headers?: Record<string, string>;
  /** A value is sent as JSON; a string is sent as is. */
  body?: unknown;
}

/** A raw POST: nothing is added (no content type, no version header) unless asked for. */
export function post(app: FastifyInstance, options: PostOptions) {
  const request: InjectOptions = { method: 'POST', url: options.url, headers: { ...options.headers } };
  if (options.body !== undefined) {
    request.payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  return app.inject(request);
}

/** The body as JSON (fails the test with the raw text when it is not JSON). */
export function json(response: LightMyRequestResponse): Record<string, unknown> {
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    throw new Error(`not JSON (${response.statusCode}): ${response.body}`);
  }
}

/**
 * A CREST error exactly as AM writes it (§2.5): integer `code` equal to the status, the standard
 * `reason`, a string `message`, `detail` only when non-null, keys in that order, JSON content type.
 */
export function expectCrestError(response: LightMyRequestResponse, status: number, message?: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toBe(JSON_UTF8);
  const body = json(response);
  const keys = Object.keys(body);
  expect(keys.slice(0, 3)).toEqual(['code', 'reason', 'message']);
  expect(keys.every((k) => ['code', 'reason', 'message', 'detail'].includes(k))).toBe(true);
  expect(body.code).toBe(status);
  expect(body.reason).toBe(REASONS[status]);
  expect(typeof body.message).toBe('string');
  if ('detail' in body) expect(body.detail).not.toBeNull();
  if (message !== undefined) expect(body.message).toBe(message);
  return body;
}

/**
 * No server failure (a 4xx, or AM's 501 for what is not implemented), and nothing that looks like a
 * stack trace or a source path in the body.
 */
export function expectNoLeak(response: LightMyRequestResponse) {
  expect(
    response.statusCode < 500 || response.statusCode === 501,
    `${response.statusCode} ${response.body}`,
  ).toBe(true);
  expect(response.body).not.toMatch(/\n\s+at\s|\.ts:\d+|\.js:\d+|node_modules|stack/i);
}

/** A base64url segment of a compact JWS, decoded to text. */
export function decodeSegment(segment: string | undefined): string {
  return Buffer.from(segment ?? '', 'base64url').toString('utf8');
}

/** The `Set-Cookie` values of a response as an array. */
export function setCookies(response: LightMyRequestResponse): string[] {
  const value = response.headers['set-cookie'];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The `Set-Cookie` values that set the session cookie (other cookies such as `amlbcookie` are ignored). */
export function sessionCookies(response: LightMyRequestResponse, name = 'iPlanetDirectoryPro'): string[] {
  return setCookies(response).filter((c) => c.startsWith(`${name}=`));
}

export const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** `yyyy-MM-ddTHH:mm:ssZ` of an epoch-millisecond instant. */
export function isoSeconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
