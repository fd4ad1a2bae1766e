import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { AdjustableClock, Clock } from '../core/clock.js';
import type { AuthnService } from '../domain/authn/authn-service.js';
import type { IdentityService } from '../domain/identity/identity-service.js';
import type { Realm } from '../domain/realms/realm.js';
import type { RealmRegistry } from '../domain/realms/realm-registry.js';
import type { SessionService } from '../domain/sessions/session-service.js';
import type { RequestedVersions } from './crest/api-version.js';

/** Everything a route needs, wired once by `buildApp`. */
export interface Services {
  config: Readonly<Config>;
  /** Anvil's logger (Fastify is given none). */
  log: Logger;
  clock: Clock;
  realms: RealmRegistry;
  sessions: SessionService;
  identities: IdentityService;
  authn: AuthnService;
  /** Set only when the time-travel control is enabled (never in production mode). */
  timeTravel: AdjustableClock | undefined;
}

export type Query = Record<string, string | string[] | undefined>;

/** A request under `<deployment>/json/…`, with its realm and endpoint resolved. */
export interface JsonRequest {
  raw: FastifyRequest;
  reply: FastifyReply;
  /** The HTTP method after `X-HTTP-Method-Override`. */
  method: string;
  realm: Realm;
  /** `sessions`, `users`, `serverinfo`, `authenticate`, … */
  endpoint: string;
  /** Path elements after the endpoint (`/sessions/<token>` → `[token]`). */
  path: string[];
  query: Query;
  versions: RequestedVersions;
  /** The session cookie's value, if any. */
  cookieToken: string | undefined;
  /** The header named like the cookie, if any. */
  headerToken: string | undefined;
  /** The caller's token: the cookie wins over the header, as in AM. */
  callerToken: string | undefined;
  /** The body as received (the JSON is parsed by the endpoint, which knows its error format). */
  rawBody: string | undefined;
}

/** Per-request facts the error handler needs to answer in the endpoint's format. */
export interface ReplyState {
  pretty: boolean;
  /** `Content-API-Version` once a route version was chosen. */
  contentApiVersion: string | undefined;
  /** Authenticate at resource 1.x answers errors as `{"errorMessage": …}`. */
  authV1: boolean;
  /** The request named no resource version: add AM's `Warning`. */
  warn: boolean;
  /** Authenticate answers an unmatched version with an empty 404. */
  emptyNotFound: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    anvil: ReplyState;
  }
}
