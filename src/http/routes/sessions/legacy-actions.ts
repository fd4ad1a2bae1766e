import { idleSeconds, type Session, timeLeftSeconds } from '../../../domain/sessions/session.js';
import { single } from '../../crest/request.js';
import { type ActionContext, type ActionSpec, type ActionTable, type Permission, v } from './action-types.js';

/**
 * The 1.x timer actions (spec §4.3, §8 items 7–9). Each answers one number about the target, or
 * `-1` when the target is not a live session. Only `isActive&refresh=true` counts as activity.
 */

/** A 1.x-only action answering `{ <key>: value(target) }`, or `{ <key>: -1 }` for a dead target. */
function timer(
  permission: Permission,
  key: string,
  value: (session: Session, now: number) => number,
): ActionSpec {
  return {
    permission,
    since: v(1, 0),
    until: v(1, 9),
    run: async (ctx: ActionContext) => {
      const target = await ctx.target();
      return { [key]: target ? value(target, ctx.services.clock.now()) : -1 };
    },
  };
}

/** `{"active":true|false}`; with `refresh=true` (any case, as Java's `Boolean.valueOf`) a live target is touched. */
async function isActive(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return { active: false };
  if (single(ctx.request.query, 'refresh')?.toLowerCase() === 'true') {
    ctx.services.sessions.touch(target);
  }
  return { active: true };
}

/** The 1.x timer actions (`isActive`, `getIdle`, `getMaxIdle`, `getMaxSessionTime`, `getTimeLeft`, `getMaxTime`). */
export const legacyActions: ActionTable = {
  isactive: { permission: 'admin', since: v(1, 0), until: v(1, 9), run: isActive },
  /** Seconds since the last recorded access. */
  getidle: timer('admin', 'idletime', idleSeconds),
  /** Minutes. */
  getmaxidle: timer('owner', 'maxidletime', (session) => session.maxIdleMinutes),
  /** Minutes. */
  getmaxsessiontime: timer('admin', 'maxsessiontime', (session) => session.maxSessionMinutes),
  /** Seconds left until the max session time. */
  gettimeleft: timer('owner', 'maxtime', timeLeftSeconds),
  /** Deprecated alias of getTimeLeft, admin only. */
  getmaxtime: timer('admin', 'maxtime', timeLeftSeconds),
};
