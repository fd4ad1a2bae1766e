import { fail } from '../../../domain/errors.js';
import { clearedSessionCookies } from '../../cookies.js';
import { type ActionContext, type ActionTable, v } from './action-types.js';
import { INVALID, infoView, refreshView, validView } from './views.js';

async function validate(ctx: ActionContext) {
  if (ctx.targetToken === undefined) fail('NoTokenOnRequest');
  const target = await ctx.target();
  if (!target) return INVALID;
  const refresh = ctx.request.query.refresh;
  const touched = refresh === 'false' ? target : ctx.services.sessions.touch(target);
  return validView(touched);
}

async function refresh(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return INVALID;
  const touched = ctx.services.sessions.touch(target);
  return refreshView(touched, ctx.services.clock.now());
}

function info(reset: boolean) {
  return async function getSessionInfo(ctx: ActionContext) {
    const target = await ctx.target();
    if (!target) return INVALID;
    const session = reset ? ctx.services.sessions.touch(target) : target;
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
  const goto = ctx.services.config.session.postLogoutUrl;
  return goto === undefined
    ? { result: 'Successfully logged out' }
    : { result: 'Successfully logged out', goto };
}

/** validate, logout, refresh and getSessionInfo: what every AM client uses. */
export const coreActions: ActionTable = {
  validate: { permission: 'anyone', since: v(1, 0), run: validate },
  logout: { permission: 'caller', since: v(1, 0), run: logout },
  refresh: { permission: 'owner', since: v(2, 0), run: refresh },
  getsessioninfo: { permission: 'owner', since: v(2, 0), run: info(false) },
  getsessioninfoandresetidletime: { permission: 'owner', since: v(4, 0), run: info(true) },
};
