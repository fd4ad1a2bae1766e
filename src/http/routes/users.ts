import { fail } from '../../domain/errors.js';
import { type Identity, isSuperUser } from '../../domain/identity/identity.js';
import {
  matchesFilter,
  parseQueryFilter,
  type QueryFilter,
  QueryFilterError,
} from '../../domain/identity/query-filter.js';
import type { Session } from '../../domain/sessions/session.js';
import type { JsonRequest, Query, Services } from '../context.js';
import { atLeast, type Version } from '../crest/api-version.js';
import { parseFields, revisionOf, selectFields } from '../crest/fields.js';
import { operationOf, routeVersion } from '../crest/operation.js';
import { queryParameters } from '../crest/query.js';
import { sendJson } from '../crest/reply.js';
import { asObject, crestBody, single } from '../crest/request.js';
import { identityChanges, readUserWrite, userContent } from './users-view.js';

/** The route versions of `/users`, oldest first. */
export const USER_ROUTES: readonly Version[] = [
  { major: 1, minor: 2 },
  { major: 2, minor: 1 },
  { major: 3, minor: 0 },
  { major: 4, minor: 0 },
];

interface UserQuery {
  filter: QueryFilter | undefined;
  queryId: string | undefined;
  expression: string | undefined;
  pageSize: number | undefined;
  offset: number | undefined;
}

/**
 * `/json/users`: in AM's order — request parsing (400/412/501), the caller (401), the permission
 * (403), the route version (404), then the operation. Everything but `idFromSession` is for super
 * users only.
 */
export async function handleUsers(services: Services, request: JsonRequest) {
  const operation = operationOf(request);
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(request.method);
  const body = hasBody ? asObject(crestBody(request.rawBody, request.raw.headers['content-type'])) : {};
  const fields = parseFields(single(request.query, '_fields'));
  const userQuery = operation.kind === 'query' ? queryOf(request.query) : undefined;

  const caller = await services.sessions.resolve(request.callerToken);
  if (!caller) return fail('AccessDenied');
  const idFromSession =
    operation.kind === 'action' &&
    request.path.length === 0 &&
    operation.name.toLowerCase() === 'idfromsession';
  if (!idFromSession && !isSuperUser(caller.universalId)) fail('Forbidden');

  const { protocol } = routeVersion(request, USER_ROUTES);

  if (idFromSession) return sendJson(request.reply, 200, idFromSessionView(services, caller));
  if (operation.kind === 'action') {
    return fail('ActionNotImplemented', `Action ${operation.name} not implemented for this resource`);
  }
  if (operation.kind === 'patch') return fail('OperationNotSupported');
  if (request.path.length > 1) {
    return fail('ResourceNotFound', `Resource '${['users', ...request.path].join('/')}' not found`);
  }

  const { realm } = request;
  const id = request.path[0];
  const envelope = atLeast(protocol, 2);
  const answer = (status: number, identity: Identity, headers: Record<string, string> = {}) => {
    const content = userContent(identity, realm);
    if (!envelope) return sendJson(request.reply, status, selectFields(content, fields), headers);
    const rev = revisionOf(content);
    const resource = { _id: identity.username, _rev: rev, ...selectFields(content, fields) };
    return sendJson(request.reply, status, resource, { ...headers, etag: `"${rev}"` });
  };

  switch (operation.kind) {
    case 'query': {
      if (id !== undefined) fail('BadRequest', `The resource instance ${id} cannot be queried`);
      const users = (await services.identities.list(realm)).map((identity) => ({
        identity,
        content: userContent(identity, realm),
      }));
      // Filters see the whole user, `_id` included, whatever the protocol and `_fields`.
      const page = runQuery(users, userQuery as UserQuery, (u) => ({
        _id: u.identity.username,
        ...u.content,
      }));
      const result = page.map(({ identity, content }) => {
        const item = selectFields(content, fields);
        return envelope ? { _id: identity.username, _rev: revisionOf(content), ...item } : item;
      });
      return sendJson(request.reply, 200, {
        result,
        resultCount: result.length,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      });
    }
    case 'read': {
      if (id === undefined) return fail('BadRequest', 'The resource collection  cannot be read');
      return answer(200, await readUser(services, request, id));
    }
    case 'create': {
      const putId = request.method === 'PUT' ? id : undefined;
      if (request.method !== 'PUT' && id !== undefined) {
        fail('BadRequest', `The resource instance ${id} cannot be created`);
      }
      const username = putId ?? (typeof body.username === 'string' ? body.username : '');
      if (username === '') fail('BadRequest', "Missing 'username' in the request body");
      const write = readUserWrite(body);
      const attributes = Object.fromEntries(Object.entries(write.attributes).filter(([, v]) => v.length > 0));
      const created = await services.identities.create(realm, {
        username,
        password: write.password,
        status: write.status,
        attributes,
      });
      return answer(201, created, { location: locationOf(request, created.username, putId !== undefined) });
    }
    case 'update': {
      if (id === undefined) return fail('BadRequest', 'The resource collection  cannot be updated');
      const current = await readUser(services, request, id);
      const write = readUserWrite(body);
      if (write.status === 'Inactive' && isSuperUser(current.universalId)) {
        fail('Forbidden', `The super user ${current.username} cannot be made inactive`);
      }
      const updated = await services.identities.update(
        realm,
        current.username,
        identityChanges(current, write),
      );
      return answer(200, updated);
    }
    case 'delete': {
      if (id === undefined) return fail('BadRequest', 'The resource collection  cannot be deleted');
      const current = await readUser(services, request, id);
      if (isSuperUser(current.universalId)) {
        fail('Forbidden', `The super user ${current.username} cannot be deleted`);
      }
      return answer(200, await services.identities.delete(realm, current.username));
    }
  }
}

/** The query parameters, checked as CREST checks them before any routing. */
function queryOf(query: Query): UserQuery {
  const { filter: filterText, ...rest } = queryParameters(query);
  let filter: QueryFilter | undefined;
  if (filterText !== undefined) {
    try {
      filter = parseQueryFilter(filterText);
    } catch (error) {
      if (!(error instanceof QueryFilterError)) throw error;
      fail(
        'InvalidParameter',
        `The value '${filterText}' for parameter '_queryFilter' could not be parsed as a valid query filter`,
        { reason: error.message },
      );
    }
  }
  return { ...rest, filter };
}

/** The rows a query selects: `_queryId=*` or the filter, then `_pagedResultsOffset` and `_pageSize`. */
function runQuery<T>(rows: T[], query: UserQuery, resourceOf: (row: T) => unknown): T[] {
  if (query.expression !== undefined) fail('BadRequest', 'Query expressions are not supported');
  if (query.queryId !== undefined && query.queryId !== '*') {
    fail('BadRequest', `Query id '${query.queryId}' is not supported: use '*' or _queryFilter`);
  }
  const { filter } = query;
  const matching = filter
    ? rows.filter((row) => matchesFilter(filter, resourceOf(row), { ignoreCase: true }))
    : rows;
  const offset = Math.max(0, query.offset ?? 0);
  const end = query.pageSize !== undefined && query.pageSize > 0 ? offset + query.pageSize : undefined;
  return matching.slice(offset, end);
}

async function readUser(services: Services, request: JsonRequest, id: string): Promise<Identity> {
  const identity = await services.identities.get(request.realm, id);
  return identity ?? fail('IdentityNotFound', `User "${id}" not found in ${request.realm.path}`);
}

/** `idFromSession`: the caller's identity, from its session (the URL's realm plays no part). */
function idFromSessionView(services: Services, caller: Session) {
  const { config } = services;
  return {
    id: caller.username,
    realm: caller.realm,
    dn: caller.universalId,
    successURL: caller.properties.successURL ?? config.authn.successUrl,
    fullLoginURL:
      caller.properties.FullLoginURL ??
      `${config.deploymentPath}/UI/Login?realm=${encodeURIComponent(caller.realm)}`,
  };
}

/** `Location` of a created user: the request's path, plus the new id for a create on the collection. */
function locationOf(request: JsonRequest, username: string, idInPath: boolean): string {
  const url = request.raw.url;
  const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
  if (idInPath) return path;
  return `${path.replace(/\/+$/, '')}/${encodeURIComponent(username)}`;
}
