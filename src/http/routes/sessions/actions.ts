import { fail } from '../../../domain/errors.js';
import type { Session } from '../../../domain/sessions/session.js';
import type { JsonRequest, Services } from '../../context.js';
import { clearedSessionCookies } from '../../cookies.js';
import type { Version } from '../../crest/api-version.js';
import { INVALID, infoView, pick, refreshView, validView } from './views.js';

/**
 * Who may run an action (spec §4.2): `anyone` needs no caller; `caller` any live caller;
 * `owner` an admin or a caller whose user owns the target; `admin` only admins.
 */
export type Permission = 'anyone' | 'caller' | 'owner' | 'admin';

export interface ActionContext {
  services: Services;
  request: JsonRequest;
  caller: Session | undefined;
  admin: boolean;
  served: Version;
  body: Record<string, unknown>;
  targetToken: string | undefined;
  /** The live session the target token stands for (resolved at most once). */
  target(): Promise<Session | undefined>;
  /** Extra response headers (e.g. `Set-Cookie` on logout). */
  headers: Record<string, string | string[]>;
}

export interface ActionSpec {
  permission: Permission;
  /** Lowest route version that has the action (and highest, when it was removed). */
  since: Version;
  until?: Version;
  run(ctx: ActionContext): Promise<unknown>;
}

const v = (major: number, minor: number): Version => ({ major, minor });

async function validate(ctx: ActionContext) {
  if (ctx.targetToken === undefined) fail('NoTokenOnRequest');
  const target = await ctx.target();
  if (!target) return INVALID;
  const refresh = ctx.request.query.refresh;
  const touched = refresh === 'false' ? target : await ctx.services.sessions.touch(target);
  return validView(touched);
}

async function refresh(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return INVALID;
  const touched = await ctx.services.sessions.touch(target);
  return refreshView(touched, ctx.services.clock.now());
}

function info(reset: boolean) {
  return async function getSessionInfo(ctx: ActionContext) {
    const target = await ctx.target();
    if (!target) return INVALID;
    const session = reset ? await ctx.services.sessions.touch(target) : target;
    const realm = ctx.services.realms.byPath(session.realm) ?? ctx.request.realm;
    return infoView(session, ctx.served, realm.session.queryProperties);
  };
}

async function logout(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return { result: 'Token has expired' };
  await ctx.services.sessions.destroy(target);
  if (ctx.targetToken === ctx.request.cookieToken) {
    ctx.headers['set-cookie'] = clearedSessionCookies(ctx.services.config.cookie);
  }
  return { result: 'Successfully logged out' };
}

async function getSessionProperties(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return fail('BadRequest');
  const realm = ctx.services.realms.byPath(target.realm) ?? ctx.request.realm;
  return pick(target.properties, realm.session.allowlist);
}

/** Action names are matched case-insensitively, as AM does. */
export const sessionActions: Record<string, ActionSpec> = {
  validate: { permission: 'anyone', since: v(1, 0), run: validate },
  logout: { permission: 'caller', since: v(1, 0), run: logout },
  refresh: { permission: 'owner', since: v(2, 0), run: refresh },
  getsessioninfo: { permission: 'owner', since: v(2, 0), run: info(false) },
  getsessioninfoandresetidletime: { permission: 'owner', since: v(4, 0), run: info(true) },
  getsessionproperties: { permission: 'owner', since: v(2, 0), run: getSessionProperties },
};
