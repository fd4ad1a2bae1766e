import { fail } from '../../../domain/errors.js';
import type { Realm } from '../../../domain/realms/realm.js';
import { isAllowedProperty } from '../../../domain/sessions/properties.js';
import type { Session } from '../../../domain/sessions/session.js';
import { type ActionContext, type ActionTable, v } from './action-types.js';
import { pick } from './views.js';

/**
 * Session properties (spec §4.8). Only names allow-listed in the target's realm and not protected
 * (`AuthLevel`, `AMCtxId`, `am.protected…`, …) may be read or written; anything else is 403.
 * None of these actions counts as activity on the target.
 */

/** The realm whose allow list governs a session's properties: the session's own realm. */
function realmOf(ctx: ActionContext, session: Session): Realm {
  return ctx.services.realms.byPath(session.realm) ?? ctx.request.realm;
}

/** 403 unless every name may be read and written over REST in this realm. */
function requireAllowed(realm: Realm, names: Iterable<string>): void {
  for (const name of names) {
    if (!isAllowedProperty(realm, name)) fail('Forbidden');
  }
}

/** An object of name → string, or 400 naming the first member that is not a string. */
function stringMap(entries: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(entries)) {
    if (typeof value !== 'string') {
      fail('BadRequest', `The value of session property '${name}' must be a string`);
    }
    out[name] = value;
  }
  return out;
}

/** The `properties` member as a list of names: `undefined` when absent or null; 400 when not strings. */
function propertyNames(body: Record<string, unknown>): string[] | undefined {
  const value = body.properties;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((name): name is string => typeof name === 'string')) {
    fail('BadRequest', "The 'properties' field must be an array of property names");
  }
  return value;
}

// 2.0 and later ----------------------------------------------------------------------------------

async function getSessionProperties(ctx: ActionContext) {
  const target = await ctx.target();
  if (!target) return fail('BadRequest');
  return pick(target.properties, realmOf(ctx, target).session.allowlist);
}

/**
 * Body: `{"<name>":"<value>", …}`, plus `tokenId` naming the target (AM 7+). Any allow-listed
 * subset may be given (AM 7+; OpenAM wanted exactly the whole allow list, spec §10.10).
 */
async function updateSessionProperties(ctx: ActionContext) {
  const { tokenId, ...rest } = ctx.body;
  if (tokenId !== undefined && typeof tokenId !== 'string') {
    fail('BadRequest', "The 'tokenId' field must be a string");
  }
  if (Object.keys(rest).length === 0) {
    fail('BadRequest', 'No session properties to update: the body must map property names to values');
  }
  const changes = stringMap(rest);
  const target = await ctx.target();
  if (!target) return fail('BadRequest');
  const realm = realmOf(ctx, target);
  requireAllowed(realm, Object.keys(changes));
  const updated = await ctx.services.sessions.setProperties(target, changes);
  if (!updated) return fail('BadRequest');
  return pick(updated.properties, realm.session.allowlist);
}

// 1.x ------------------------------------------------------------------------------------------

/** The allow list of the URL's realm. */
async function getPropertyNames(ctx: ActionContext) {
  return { properties: [...ctx.request.realm.session.allowlist] };
}

/** `{"properties":["a","b"]}` → those values; no `properties` → every allow-listed one. */
async function getProperty(ctx: ActionContext) {
  const names = propertyNames(ctx.body);
  const target = await ctx.target();
  // OpenAM answers an empty object when the target cannot be read.
  if (!target) return {};
  const realm = realmOf(ctx, target);
  if (names === undefined) return pick(target.properties, realm.session.allowlist);
  requireAllowed(realm, names);
  return pick(target.properties, names);
}

/** `{"a":"v", …}` → `{"success":true}`. */
async function setProperty(ctx: ActionContext) {
  if (Object.keys(ctx.body).length === 0) {
    fail('BadRequest', 'No session properties to set: the body must map property names to values');
  }
  const changes = stringMap(ctx.body);
  return writeProperties(ctx, changes);
}

/** `{"properties":["a", …]}` → each set to `""` (AM cannot store a missing value) → `{"success":true}`. */
async function deleteProperty(ctx: ActionContext) {
  const names = propertyNames(ctx.body);
  if (names === undefined) {
    fail('BadRequest', "The 'properties' field is not defined in the request or it's not a JSON array");
  }
  return writeProperties(ctx, Object.fromEntries(names.map((name) => [name, ''])));
}

async function writeProperties(ctx: ActionContext, changes: Record<string, string>) {
  const target = await ctx.target();
  if (!target) return { success: false };
  requireAllowed(realmOf(ctx, target), Object.keys(changes));
  const updated = await ctx.services.sessions.setProperties(target, changes);
  return { success: updated !== undefined };
}

const V1 = { since: v(1, 0), until: v(1, 9) } as const;

/** Session properties: reading and writing the realm's allow-listed properties. */
export const propertyActions: ActionTable = {
  getsessionproperties: { permission: 'owner', since: v(2, 0), run: getSessionProperties },
  updatesessionproperties: { permission: 'owner', since: v(2, 0), run: updateSessionProperties },
  getpropertynames: { permission: 'owner', ...V1, run: getPropertyNames },
  getproperty: { permission: 'owner', ...V1, run: getProperty },
  setproperty: { permission: 'owner', ...V1, run: setProperty },
  deleteproperty: { permission: 'owner', ...V1, run: deleteProperty },
};
