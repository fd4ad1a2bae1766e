import { fail } from '../../../domain/errors.js';
import { isSuperUser } from '../../../domain/identity/identity.js';
import type { Session } from '../../../domain/sessions/session.js';
import type { JsonRequest, Services } from '../../context.js';
import { atLeast, type Version } from '../../crest/api-version.js';
import { operationOf, routeVersion } from '../../crest/operation.js';
import { sendJson } from '../../crest/reply.js';
import { asObject, crestBody, single } from '../../crest/request.js';
import { type ActionContext, type ActionSpec, sessionActions } from './actions.js';

/** The route versions of `/sessions`, oldest first (AM 5.5 … Identity Cloud). */
export const SESSION_ROUTES: readonly Version[] = [
  { major: 1, minor: 2 },
  { major: 2, minor: 1 },
  { major: 3, minor: 1 },
  { major: 4, minor: 0 },
  { major: 5, minor: 1 },
];

/**
 * `/json/sessions`: in AM's order — request parsing (400), the caller (401), the permission
 * (403), the route version (404), then the action.
 */
export async function handleSessions(services: Services, request: JsonRequest) {
  const operation = operationOf(request);
  const body = asObject(crestBody(request.rawBody, request.raw.headers['content-type']));
  if (operation.kind === 'action' && request.raw.headers['if-match'] !== undefined)
    fail('PreconditionFailed');

  const spec = operation.kind === 'action' ? sessionActions[operation.name.toLowerCase()] : undefined;
  const caller = await services.sessions.resolve(request.callerToken);
  if (!caller && spec?.permission !== 'anyone') fail('AccessDenied');
  const admin = caller !== undefined && isSuperUser(caller.universalId);

  const legacy = request.versions.resource?.major === 1;
  const targetToken = targetTokenOf(request, body, legacy);
  let resolved: Promise<Session | undefined> | undefined;
  const target = () => {
    resolved ??=
      targetToken !== undefined && targetToken === request.callerToken
        ? Promise.resolve(caller)
        : services.sessions.resolve(targetToken);
    return resolved;
  };

  await authorize(spec, caller, admin, target);

  const { served } = routeVersion(request, SESSION_ROUTES);

  if (operation.kind !== 'action') {
    if (operation.kind === 'read' && request.path.length === 0) {
      fail('BadRequest', 'The resource collection  cannot be read');
    }
    return fail('OperationNotSupported');
  }
  if (request.path.length > 0 && atLeast(served, 2)) fail('OperationNotSupported');
  if (!spec || !available(spec, served)) {
    return fail('ActionNotImplemented', `Action ${operation.name} not implemented for this resource`);
  }
  const context: ActionContext = {
    services,
    request,
    caller,
    admin,
    served,
    body,
    targetToken,
    target,
    headers: {},
  };
  const result = await spec.run(context);
  request.reply.headers(context.headers);
  return sendJson(request.reply, 200, result);
}

/**
 * The session acted on. 1.x: the path (`/sessions/<token>`), `?tokenId=`, the cookie, the header.
 * 2.x and later: the body's `tokenId`, then `?tokenId=` (the XUI still sends it), the cookie, the
 * header.
 */
function targetTokenOf(
  request: JsonRequest,
  body: Record<string, unknown>,
  legacy: boolean,
): string | undefined {
  const fromQuery = single(request.query, 'tokenId') || undefined;
  if (legacy) return request.path[0] ?? fromQuery ?? request.cookieToken ?? request.headerToken;
  const fromBody = typeof body.tokenId === 'string' && body.tokenId !== '' ? body.tokenId : undefined;
  return fromBody ?? fromQuery ?? request.cookieToken ?? request.headerToken;
}

async function authorize(
  spec: ActionSpec | undefined,
  caller: Session | undefined,
  admin: boolean,
  target: () => Promise<Session | undefined>,
): Promise<void> {
  if (admin) return;
  switch (spec?.permission) {
    case 'anyone':
    case 'caller':
      return;
    case 'owner': {
      const session = await target();
      if (session && caller && session.universalId.toLowerCase() === caller.universalId.toLowerCase()) return;
      return fail('Forbidden');
    }
    default:
      // Admin-only actions, unknown actions and every CRUD operation.
      return fail('Forbidden');
  }
}

function available(spec: ActionSpec, served: Version): boolean {
  if (!atLeast(served, spec.since.major, spec.since.minor)) return false;
  return spec.until === undefined || !atLeast(served, spec.until.major, spec.until.minor + 1);
}
