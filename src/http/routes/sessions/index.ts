import { fail } from '../../../domain/errors.js';
import { isSuperUser } from '../../../domain/identity/identity.js';
import type { Realm } from '../../../domain/realms/realm.js';
import type { Session } from '../../../domain/sessions/session.js';
import type { JsonRequest, Services } from '../../context.js';
import { atLeast, type Version } from '../../crest/api-version.js';
import { operationOf, routeVersion } from '../../crest/operation.js';
import { sendJson } from '../../crest/reply.js';
import { asObject, crestBody, single } from '../../crest/request.js';
import { type ActionContext, type ActionSpec, sessionActions } from './actions.js';
import { runQuery } from './query.js';

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

  const spec = operation.kind === 'action' ? sessionActions[operation.name.toLowerCase()] : undefined;
  const caller = await services.sessions.resolve(request.callerToken);
  if (!caller && spec?.permission !== 'anyone') fail('AccessDenied');
  // What the caller administers, worked out only when asked (validate and an owner's own
  // session actions never ask).
  let reach: { scope: Realm | undefined; admin: boolean } | undefined;
  const reachOf = () => {
    if (reach === undefined) {
      const scope = caller ? adminScopeOf(services, caller) : undefined;
      reach = { scope, admin: scope !== undefined && services.realms.isWithin(request.realm, scope) };
    }
    return reach;
  };
  const admin = () => reachOf().admin;
  const administers = (realmPath: string) => {
    const { scope } = reachOf();
    const realm = services.realms.byPath(realmPath);
    return scope !== undefined && realm !== undefined && services.realms.isWithin(realm, scope);
  };

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

  // validate (anyone) and logout (any caller) need no more checks, nor does an owner's action
  // on the caller's own session (what authorize would find): no promise to wait for.
  const onOwnSession =
    spec?.permission === 'owner' && caller !== undefined && targetToken === request.callerToken;
  if (spec?.permission !== 'anyone' && spec?.permission !== 'caller' && !onOwnSession) {
    await authorize(spec, caller, admin, administers, target);
  }

  const { served } = routeVersion(request, SESSION_ROUTES);
  const context: ActionContext = {
    services,
    request,
    caller,
    admin,
    adminScope: () => reachOf().scope,
    administers,
    served,
    body,
    targetToken,
    target,
    headers: {},
  };

  if (operation.kind === 'query') return sendJson(request.reply, 200, await runQuery(context));
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

/**
 * The realm tree a caller administers: the root for super users (`amAdmin`); for a user listed
 * in a realm's `admins`, that realm (its own realm only).
 */
function adminScopeOf(services: Services, caller: Session): Realm | undefined {
  if (isSuperUser(caller.universalId)) return services.realms.root;
  const realm = services.realms.byPath(caller.realm);
  const listed = realm?.admins.some((name) => name.toLowerCase() === caller.username.toLowerCase());
  return listed ? realm : undefined;
}

/**
 * Spec §4.2: admins of the URL's realm may do everything (on targets within their realm tree);
 * otherwise `validate` and `logout` are open, owner actions need a target of the caller's own
 * user, and the rest is refused (403).
 */
async function authorize(
  spec: ActionSpec | undefined,
  caller: Session | undefined,
  admin: () => boolean,
  administers: (realmPath: string) => boolean,
  target: () => Promise<Session | undefined>,
): Promise<void> {
  switch (spec?.permission) {
    case 'anyone':
    case 'caller':
      return;
    case 'owner': {
      const session = await target();
      if (session && caller && session.universalId.toLowerCase() === caller.universalId.toLowerCase()) return;
      if (admin() && (!session || administers(session.realm))) return;
      return fail('Forbidden');
    }
    default: {
      // Admin-only actions, unknown actions and every CRUD operation.
      if (!admin()) return fail('Forbidden');
      // A realm admin's reach ends at its realm tree, whatever the URL says.
      const session = spec ? await target() : undefined;
      if (session && !administers(session.realm)) fail('Forbidden');
      return;
    }
  }
}

function available(spec: ActionSpec, served: Version): boolean {
  if (!atLeast(served, spec.since.major, spec.since.minor)) return false;
  return spec.until === undefined || !atLeast(served, spec.until.major, spec.until.minor + 1);
}
