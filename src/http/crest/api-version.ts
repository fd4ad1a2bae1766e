import { fail } from '../../domain/errors.js';

/** A CREST version: `2.1` is `{ major: 2, minor: 1 }`. */
export interface Version {
  major: number;
  minor: number;
}

export interface RequestedVersions {
  protocol: Version | undefined;
  resource: Version | undefined;
}

/** The protocol assumed when a request names none (CREST 2.1). */
export const DEFAULT_PROTOCOL: Version = { major: 2, minor: 1 };

const VERSION = '(\\d{1,4}(?:\\.\\d{1,4})?)';
const ONE = new RegExp(`^(protocol|resource)=${VERSION}$`);
const TWO = new RegExp(`^(protocol|resource)=${VERSION}\\s*,\\s*(protocol|resource)=${VERSION}$`);

/**
 * Parses `Accept-API-Version`: `protocol=P`, `resource=R`, or both in either order, with spaces
 * allowed only around the comma; keywords are lower case. Anything else is refused with 400.
 */
export function parseAcceptApiVersion(header: string | undefined): RequestedVersions {
  if (header === undefined) return NONE;
  const known = parsed.get(header);
  if (known) return known;
  const versions = Object.freeze(parseHeader(header));
  // Clients send a handful of distinct values: remember the valid ones (bounded).
  if (parsed.size >= 64) parsed.clear();
  parsed.set(header, versions);
  return versions;
}

const NONE: RequestedVersions = Object.freeze({ protocol: undefined, resource: undefined });
const parsed = new Map<string, RequestedVersions>();

function parseHeader(header: string): RequestedVersions {
  const value = header.trim();
  const two = TWO.exec(value);
  const one = two ? undefined : ONE.exec(value);
  if ((!two && !one) || (two && two[1] === two[3])) {
    fail('InvalidVersion', `Version string is in an invalid format: ${header}`);
  }
  const found: RequestedVersions = { protocol: undefined, resource: undefined };
  const pairs = two ? [two.slice(1, 3), two.slice(3, 5)] : [(one as RegExpExecArray).slice(1, 3)];
  for (const [key, raw] of pairs) found[key as 'protocol' | 'resource'] = parseVersion(raw as string);
  if (found.protocol) checkProtocol(found.protocol);
  return found;
}

/** CREST protocol 1.0/1.1 and 2.0–2.2 (AM 7 documents 2.2); anything else is refused. */
function checkProtocol(protocol: Version): void {
  if (protocol.major > 2 || protocol.major < 1) {
    fail('UnsupportedProtocolVersion', `Unsupported major version: ${formatVersion(protocol)}`);
  }
  if (protocol.minor > (protocol.major === 2 ? 2 : 1)) {
    fail('UnsupportedProtocolVersion', `Unsupported minor version: ${formatVersion(protocol)}`);
  }
}

export function parseVersion(raw: string): Version {
  const [major, minor] = raw.split('.');
  return { major: Number(major), minor: minor === undefined ? 0 : Number(minor) };
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}`;
}

/**
 * The route version that serves a request: same major, minor at least the requested one, the
 * highest such. No requested version means the newest route (AM's "Latest" behaviour).
 * `routes` must be sorted from oldest to newest.
 */
export function negotiate(routes: readonly Version[], requested: Version | undefined): Version | undefined {
  if (!requested) return routes[routes.length - 1];
  let best: Version | undefined;
  for (const route of routes) {
    if (route.major === requested.major && route.minor >= requested.minor) best = route;
  }
  return best;
}

export function atLeast(v: Version, major: number, minor = 0): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}
