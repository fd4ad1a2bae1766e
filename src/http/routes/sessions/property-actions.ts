import { fail } from '../../../domain/errors.js';
import { type ActionContext, type ActionTable, v } from './action-types.js';
import { pick } from './views.js';

async function getSessionProperties(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return fail('BadRequest');
  const realm = ctx.services.realms.byPath(target.realm) ?? ctx.request.realm;
  return pick(target.properties, realm.session.allowlist);
}

/** Session properties: reading and writing the realm's allow-listed properties. */
export const propertyActions: ActionTable = {
  getsessionproperties: { permission: 'owner', since: v(2, 0), run: getSessionProperties },
};
