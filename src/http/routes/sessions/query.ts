import { isoMillis, isoSeconds } from '../../../core/clock.js';
import { fail } from '../../../domain/errors.js';
import { universalIdOf } from '../../../domain/identity/identity.js';
import {
  type Pointer,
  parseQueryFilter,
  type QueryFilter,
  QueryFilterError,
} from '../../../domain/identity/query-filter.js';
import type { Realm } from '../../../domain/realms/realm.js';
import {
  maxIdleExpirationTime,
  maxSessionExpirationTime,
  type Session,
  timeLeftSeconds,
} from '../../../domain/sessions/session.js';
import { atLeast, DEFAULT_PROTOCOL } from '../../crest/api-version.js';
import { parseFields, revisionOf, selectFields } from '../../crest/fields.js';
import { queryParameters } from '../../crest/query.js';
import { single } from '../../crest/request.js';
import type { ActionContext } from './action-types.js';

/** CREST's query envelope (spec §2.6): sessions are never paged. */
function envelope(result: unknown[]) {
  return {
    result,
    resultCount: result.length,
    pagedResultsCookie: null,
    totalPagedResultsPolicy: 'NONE',
    totalPagedResults: -1,
    remainingPagedResults: -1,
  };
}

/**
 * `GET …/sessions?_queryFilter=…` (2.x and later) and `?_queryId=…` (1.x). The caller is already
 * known to administer the URL's realm (index.ts); here a realm admin is further held to the realms
 * of its own tree.
 */
export async function runQuery(ctx: ActionContext): Promise<unknown> {
  const { request, served } = ctx;
  const { query } = request;
  // CREST checks the paging parameters too; the session query then ignores them.
  const { filter: filterText, queryId, expression } = queryParameters(query);
  const fields = parseFields(single(query, '_fields'));

  const id = request.path[0];
  if (id !== undefined) fail('BadRequest', `The resource instance ${id} cannot be queried`);
  if (expression !== undefined) fail('BadRequest', 'Query expressions are not supported');

  if (served.major === 1) {
    if (queryId === undefined) {
      return fail('BadRequest', 'Query filters are not supported by this resource version: use _queryId');
    }
    return legacyQuery(ctx, queryId);
  }
  if (filterText === undefined) {
    return fail(
      'BadRequest',
      `Query id '${queryId}' is not supported by this resource version: use _queryFilter`,
    );
  }
  return filterQuery(ctx, filterText, fields);
}

/** What a session `_queryFilter` may say: a realm and, optionally, a user name. */
interface SessionCriteria {
  realms: string[];
  usernames: string[];
}

/**
 * AM's `SessionQueryFilterVisitor`: only `eq` on `realm` and `username`, joined by `and`. Anvil
 * answers 400 where OpenAM's visitor fails with 500 (an unsupported operator).
 */
function criteriaOf(filterText: string): SessionCriteria {
  let filter: QueryFilter;
  try {
    filter = parseQueryFilter(filterText);
  } catch (error) {
    if (!(error instanceof QueryFilterError)) throw error;
    return fail(
      'InvalidParameter',
      `The value '${filterText}' for parameter '_queryFilter' could not be parsed as a valid query filter`,
      { reason: error.message },
    );
  }
  const criteria: SessionCriteria = { realms: [], usernames: [] };
  const unsupported = () => fail('BadRequest', `Unsupported query filter: ${filterText}`);
  const visit = (node: QueryFilter): void => {
    if (node.kind === 'and') {
      for (const child of node.filters) visit(child);
      return;
    }
    if (node.kind !== 'comparison' || node.operator !== 'eq') {
      unsupported();
      return;
    }
    const field = fieldName(node.pointer);
    const value = String(node.value);
    if (field === 'realm') criteria.realms.push(value);
    else if (field === 'username') criteria.usernames.push(value);
    else fail('BadRequest', `${field} is not supported in query filter`);
  };
  visit(filter);
  if (criteria.realms.length === 0) fail('BadRequest', 'The query filter must specify the realm');
  return criteria;
}

function fieldName(pointer: Pointer): string {
  return pointer.join('/');
}

async function filterQuery(
  ctx: ActionContext,
  filterText: string,
  fields: ReturnType<typeof parseFields>,
): Promise<unknown> {
  const { services, request } = ctx;
  const criteria = criteriaOf(filterText);
  const realms = criteria.realms.map((path) => services.realms.byPath(path));
  // Every realm the filter names must be one the caller administers (a realm admin: its own tree);
  // a realm that does not exist is only the super user's business (and has no sessions).
  const isSuperUser = ctx.adminScope() === services.realms.root;
  criteria.realms.forEach((path, i) => {
    if (realms[i] === undefined ? !isSuperUser : !ctx.administers(path)) fail('Forbidden');
  });
  const realm = realms[0];
  const usernames = new Set(criteria.usernames.map((u) => u.toLowerCase()));
  // `realm eq "/a" and realm eq "/b"`, or two different user names, match nothing.
  const contradictory = realms.some((r) => r !== realm) || usernames.size > 1;
  const sessions = realm === undefined || contradictory ? [] : await sessionsOf(ctx, realm, usernames);

  const withRev = atLeast(request.versions.protocol ?? DEFAULT_PROTOCOL, 2);
  const result = sessions.map((session) => {
    const content = queryItem(session);
    const item = selectFields(content, fields);
    return withRev ? { _rev: revisionOf(content), ...item } : item;
  });
  return envelope(result);
}

/**
 * Live sessions of exactly this realm, of one user when a user name is given, at most the
 * configured list size. A user's sessions are looked up by universal id, so that the size cap
 * applies to that user's sessions and not to the whole realm's.
 */
async function sessionsOf(ctx: ActionContext, realm: Realm, usernames: Set<string>): Promise<Session[]> {
  const { services } = ctx;
  const max = services.config.session.maxSessionListSize;
  const [username] = [...usernames];
  if (username === undefined) return services.sessions.listInRealm(realm.path, max);
  const realmPath = realm.path.toLowerCase();
  const mine = await services.sessions.listForUser(universalIdOf(username, realm));
  return mine
    .filter((s) => s.realm.toLowerCase() === realmPath && s.username.toLowerCase() === username)
    .slice(0, max);
}

/** One query item, in AM 7's key order; `latestAccessTime` keeps its milliseconds. */
function queryItem(session: Session): Record<string, unknown> {
  return {
    username: session.username,
    universalId: session.universalId,
    realm: session.realm,
    sessionHandle: session.sessionHandle,
    latestAccessTime: isoMillis(session.latestAccessTime),
    maxIdleExpirationTime: isoSeconds(maxIdleExpirationTime(session)),
    maxSessionExpirationTime: isoSeconds(maxSessionExpirationTime(session)),
  };
}

/**
 * 1.x named queries: `list` (the server ids), `all` (every server's sessions), `server` with
 * `serverId=<id>`, or a server id on its own. Anvil is one server; its sessions are those of the
 * URL's realm tree that the caller administers.
 */
async function legacyQuery(ctx: ActionContext, queryId: string): Promise<unknown> {
  const { services, request } = ctx;
  const ownId = services.config.serverId;
  if (queryId === 'list') return envelope([ownId]);
  let serverId: string;
  if (queryId === 'all') serverId = ownId;
  else if (queryId === 'server') {
    const named = single(request.query, 'serverId');
    if (named === undefined || named === '') {
      return fail('BadRequest', "The parameter 'serverId' is required by the query 'server'");
    }
    serverId = named;
  } else if (/^[0-9]{2}$/.test(queryId)) serverId = queryId;
  else return fail('BadRequest', `Query id '${queryId}' is not supported`);
  if (serverId !== ownId) return envelope([]);

  const now = services.clock.now();
  const max = services.config.session.maxSessionListSize;
  const realms = services.realms
    .all()
    .filter((realm) => services.realms.isWithin(realm, request.realm) && ctx.administers(realm.path));
  const items: unknown[] = [];
  for (const realm of realms) {
    if (items.length >= max) break;
    for (const session of await services.sessions.listInRealm(realm.path, max - items.length)) {
      items.push({ userid: session.username, timeleft: Math.floor(timeLeftSeconds(session, now) / 60) });
    }
  }
  return envelope(items);
}
