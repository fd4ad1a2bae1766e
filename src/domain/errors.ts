/**
 * Anvil's one error catalogue. Every failure that reaches a client is an `AnvilError` with one of
 * these kinds; `src/http/crest/errors.ts` maps each kind to AM's wire status in one table, and
 * `docs/errors.md` lists them (a test keeps the three in step).
 *
 * Expected negative outcomes (a dead session, a wrong password inside a journey) are values, not
 * errors; these are for requests that must be refused.
 */
export const errorCatalogue = {
  // Caller and permission
  AccessDenied: 'Access Denied',
  Forbidden: 'Forbidden',
  // Request shape (CREST conventions)
  BadRequest: 'Bad Request',
  InvalidVersion: 'Version string is in an invalid format',
  UnsupportedProtocolVersion: 'Unsupported protocol version',
  MalformedJson: 'The request could not be processed because the provided content is not valid JSON',
  UnsupportedContentType:
    "The request could not be processed because it specified the content-type '<type>' when only the content-type 'application/json' and 'multipart/form-data' are supported",
  MissingAction: "No values provided for the request parameter '_action'",
  MultipleValues: 'Multiple values provided for a single-valued request parameter',
  InvalidParameter: 'A request parameter could not be parsed',
  NoTokenOnRequest: 'iPlanetDirectoryCookie not set on request',
  PayloadTooLarge: 'Request Entity Too Large',
  PreconditionFailed: 'If-Match not supported for POST requests',
  IfModifiedSinceNotSupported: 'Header If-Modified-Since not supported',
  // Routing
  RealmNotFound: 'Realm not found',
  ResourceNotFound: 'Resource not found',
  VersionNotFound: 'Requested version does not match any routes',
  ActionNotImplemented: 'Action not implemented for this resource',
  OperationNotSupported: 'Operation is not supported.',
  MethodNotSupported: 'Method not supported',
  MethodNotAllowed: 'Method Not Allowed',
  UnsupportedMediaType: 'Unsupported Media Type',
  // Identities
  IdentityNotFound: 'Identity not found',
  IdentityExists: 'Unable to create identity: the identity already exists',
  // Authentication
  LoginFailure: 'Login failure',
  UserInactive: 'User not Active',
  AccountLocked: 'Your account has been locked.',
  SessionLimitReached: 'You have reached your session limit.',
  AuthTimeout: 'Session has timed out',
  UnknownAuthIndexType: 'Unknown Authentication Index Type',
  NoConfiguration: 'No Configuration found',
  InvalidAuthId: 'AuthId JWT Signature not valid',
  SessionUpgradeFailed: 'Session Upgrade fails since user is different than original authenticated user',
  // Server
  ServiceUnavailable: 'Service Unavailable',
  Internal: 'Internal Server Error',
} as const;

export type ErrorKind = keyof typeof errorCatalogue;

export class AnvilError extends Error {
  readonly kind: ErrorKind;
  readonly detail: unknown;

  constructor(kind: ErrorKind, message?: string, detail?: unknown) {
    super(message ?? errorCatalogue[kind]);
    this.name = 'AnvilError';
    this.kind = kind;
    this.detail = detail;
  }
}

export function fail(kind: ErrorKind, message?: string, detail?: unknown): never {
  throw new AnvilError(kind, message, detail);
}
