import { fail } from '../../domain/errors.js';
import type { Query } from '../context.js';

/** A query parameter that must appear at most once (CREST: every parameter is single-valued). */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    fail('MultipleValues', `Multiple values provided for the single-valued request parameter '${name}'`);
  }
  return value;
}

/** Case-insensitive lookup of a query parameter (AM's authenticate accepts `forceauth` too). */
export function singleIgnoringCase(query: Query, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of Object.keys(query)) {
    if (key.toLowerCase() === lower) return single(query, key);
  }
  return undefined;
}

export function isJsonContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** True for a body with nothing in it: absent, empty, white space, or the JSON string `""`. */
export function isEmptyBody(raw: string | undefined): boolean {
  if (raw === undefined) return true;
  const trimmed = raw.trim();
  return trimmed === '' || trimmed === '""';
}

/**
 * The JSON body of a CREST request. An empty body is `undefined` (clients send none, or `""`,
 * with or without a JSON content type); a body in another content type is refused with 400.
 */
export function crestBody(raw: string | undefined, contentType: string | undefined): unknown {
  if (isEmptyBody(raw)) return undefined;
  if (contentType) {
    const mime = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!isJsonContentType(contentType) && mime !== 'multipart/form-data') {
      fail(
        'UnsupportedContentType',
        `The request could not be processed because it specified the content-type '${contentType}' when only the content-type 'application/json' and 'multipart/form-data' are supported`,
      );
    }
  }
  return parseJson(raw as string);
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    return fail('MalformedJson', undefined, (error as Error).message);
  }
}

/** The body as a plain object, or `{}`. */
export function asObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
