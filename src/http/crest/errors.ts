import { AnvilError, type ErrorKind } from '../../domain/errors.js';

/** HTTP status of every catalogue kind: the one place where domain errors meet the wire. */
export const statusOf = {
  AccessDenied: 401,
  Forbidden: 403,
  BadRequest: 400,
  InvalidVersion: 400,
  UnsupportedProtocolVersion: 400,
  MalformedJson: 400,
  UnsupportedContentType: 400,
  MissingAction: 400,
  MultipleValues: 400,
  InvalidParameter: 400,
  NoTokenOnRequest: 400,
  PayloadTooLarge: 413,
  PreconditionFailed: 412,
  IfModifiedSinceNotSupported: 409,
  RealmNotFound: 404,
  ResourceNotFound: 404,
  VersionNotFound: 404,
  ActionNotImplemented: 501,
  OperationNotSupported: 501,
  MethodNotSupported: 501,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
  IdentityNotFound: 404,
  IdentityExists: 409,
  LoginFailure: 401,
  UserInactive: 401,
  AccountLocked: 401,
  SessionLimitReached: 401,
  AuthTimeout: 408,
  UnknownAuthIndexType: 400,
  NoConfiguration: 400,
  InvalidAuthId: 400,
  SessionUpgradeFailed: 400,
  ServiceUnavailable: 503,
  Internal: 500,
} as const satisfies Record<ErrorKind, number>;

/** AM's reason phrases (`ResourceException`), by status. */
const reasons: Record<number, string> = {
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

export interface CrestErrorBody {
  code: number;
  reason: string;
  message: string;
  detail?: unknown;
}

/** `{code, reason, message[, detail]}` in that order; `detail` only when there is one. */
export function crestErrorBody(status: number, message: string, detail?: unknown): CrestErrorBody {
  const reason = reasons[status] ?? 'Internal Server Error';
  const body: CrestErrorBody = { code: status, reason, message };
  if (detail !== undefined && detail !== null) body.detail = detail;
  return body;
}

/**
 * Any thrown value → status and AM body. Unknown errors become a generic 500 whose body says
 * nothing of the cause (the log has it).
 */
export function toWire(error: unknown): { status: number; body: CrestErrorBody; expected: boolean } {
  if (error instanceof AnvilError) {
    const status = statusOf[error.kind];
    const body =
      status >= 500 && error.kind === 'Internal'
        ? crestErrorBody(500, 'Internal Server Error')
        : crestErrorBody(status, error.message, error.detail);
    return { status, body, expected: status < 500 };
  }
  const fastifyStatus = (error as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    const message =
      fastifyStatus === 413 ? 'Request Entity Too Large' : (reasons[fastifyStatus] ?? 'Bad Request');
    return { status: fastifyStatus, body: crestErrorBody(fastifyStatus, message), expected: true };
  }
  return { status: 500, body: crestErrorBody(500, 'Internal Server Error'), expected: false };
}
