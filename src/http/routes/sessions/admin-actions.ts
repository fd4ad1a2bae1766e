import { fail } from '../../../domain/errors.js';
import { universalIdOf } from '../../../domain/identity/identity.js';
import { type ActionContext, type ActionTable, v } from './action-types.js';

const NO_HANDLES = `The "sessionHandles" field is not defined in the request or it's not a JSON array`;

/**
 * `logoutByHandle` (spec §4.10): one answer per handle — `true` when the session is gone
 * afterwards (destroyed now, or already gone, timed out or never there), `false` when the caller
 * may not end it (a realm admin naming a session outside its realm tree).
 */
async function logoutByHandle(ctx: ActionContext) {
  const handles = ctx.body.sessionHandles;
  if (!Array.isArray(handles) || !handles.every((h): h is string => typeof h === 'string')) {
    return fail('BadRequest', NO_HANDLES);
  }
  const outcome = new Map<string, boolean>();
  for (const handle of handles) {
    if (outcome.has(handle)) continue;
    const session = await ctx.services.sessions.byHandle(handle);
    if (!session) outcome.set(handle, true);
    else if (!ctx.administers(session.realm)) outcome.set(handle, false);
    else {
      await ctx.services.sessions.destroy(session);
      outcome.set(handle, true);
    }
  }
  // fromEntries makes own properties even of names such as `__proto__`.
  return { result: Object.fromEntries(outcome) };
}

/**
 * `logoutByUser` (5.1, spec §4.11): ends every session of the named user of the URL's realm.
 * Allowed to admins of that realm and to a user naming itself.
 */
async function logoutByUser(ctx: ActionContext) {
  const { username } = ctx.body;
  if (typeof username !== 'string' || username === '') {
    return fail('BadRequest', 'The "username" field is not defined in the request or it\'s not a string');
  }
  const universalId = universalIdOf(username, ctx.request.realm);
  const self = ctx.caller?.universalId.toLowerCase() === universalId.toLowerCase();
  if (!ctx.admin() && !self) fail('Forbidden');
  await ctx.services.sessions.destroyAllOf(universalId);
  return { result: true };
}

/** Ending sessions by handle and by user. */
export const adminActions: ActionTable = {
  logoutbyhandle: { permission: 'admin', since: v(2, 0), run: logoutByHandle },
  logoutbyuser: { permission: 'caller', since: v(5, 1), run: logoutByUser },
};
