import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Realm } from '../../src/domain/realms/realm.js';
import { buildTestApp, login, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import {
  ACCESS_DENIED,
  ALPHA,
  expectCrestError,
  FORBIDDEN,
  ISO_SECONDS,
  json,
  ROOT,
  V1,
  V2,
  V4,
  V5,
} from './conformance-support.js';

const BJENSEN_PASSWORD = 'Bj3ns3n-pass';
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ITEM_KEYS = [
  'username',
  'universalId',
  'realm',
  'sessionHandle',
  'latestAccessTime',
  'maxIdleExpirationTime',
  'maxSessionExpirationTime',
];
const ENVELOPE_KEYS = [
  'result',
  'resultCount',
  'pagedResultsCookie',
  'totalPagedResultsPolicy',
  'totalPagedResults',
  'remainingPagedResults',
];

type Item = Record<string, unknown>;

function root(t: TestApp): Realm {
  return t.services.realms.root;
}

function realm(t: TestApp, path: string): Realm {
  const found = t.services.realms.byPath(path);
  if (!found) throw new Error(`no realm ${path}`);
  return found;
}

/** `GET <base>/sessions?<query>` with the token in the cookie-named header. */
function query(
  t: TestApp,
  options: { token?: string; query: string; version?: string; base?: string },
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (options.version !== undefined) headers['accept-api-version'] = options.version;
  if (options.token !== undefined) headers.iplanetdirectorypro = options.token;
  return t.app.inject({ method: 'GET', url: `${options.base ?? ROOT}/sessions?${options.query}`, headers });
}

const filter = (text: string) => `_queryFilter=${encodeURIComponent(text)}`;

function items(response: LightMyRequestResponse): Item[] {
  expect(response.statusCode, response.body).toBe(200);
  return json(response).result as Item[];
}

async function validates(t: TestApp, tokenId: string): Promise<boolean> {
  const response = await sessionAction(t.app, 'validate', { version: V4, body: { tokenId } });
  return json(response).valid === true;
}

/** Spec §11, query, handles, logoutByUser and CRUD (checklist 82–95). */
describe('/json/sessions query, logoutByHandle, logoutByUser, CRUD', () => {
  let t: TestApp;
  let admin: string;
  beforeEach(async () => {
    t = await buildTestApp();
    await t.services.identities.create(root(t), { username: 'bjensen', password: BJENSEN_PASSWORD });
    admin = await loginAdmin(t.app);
  });
  afterEach(() => t.close());

  const loginBjensen = () => login(t.app, 'bjensen', BJENSEN_PASSWORD, '/realms/root');

  it('82: admin query by username and realm → 200 with the CREST query envelope', async () => {
    await loginBjensen();
    const response = await query(t, {
      token: admin,
      version: V4,
      query: '_queryFilter=username%20eq%20%22bjensen%22%20and%20realm%20eq%20%22%2F%22',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
    const body = json(response);
    expect(Object.keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({
      resultCount: 1,
      pagedResultsCookie: null,
      totalPagedResultsPolicy: 'NONE',
      totalPagedResults: -1,
      remainingPagedResults: -1,
    });
    expect(Array.isArray(body.result)).toBe(true);
  });

  it('83: each item has the seven fields in order, a shandle, latestAccessTime with ms, and no _id', async () => {
    t.clock.advance(1234); // a login instant with milliseconds
    await loginBjensen();
    const text = 'username eq "bjensen" and realm eq "/"';
    const [item] = items(await query(t, { token: admin, version: V4, query: filter(text) }));
    expect(Object.keys(item as Item)).toEqual(ITEM_KEYS);
    expect(item).toMatchObject({
      username: 'bjensen',
      universalId: 'id=bjensen,ou=user,ou=am-config',
      realm: '/',
    });
    expect(item?.sessionHandle).toMatch(/^shandle:/);
    expect(item?.latestAccessTime).toMatch(ISO_MILLIS);
    expect(item?.maxIdleExpirationTime).toMatch(ISO_SECONDS);
    expect(item?.maxSessionExpirationTime).toMatch(ISO_SECONDS);
    const loggedIn = Date.parse(item?.latestAccessTime as string);
    expect(loggedIn).toBe(t.clock.now());
    expect(item?.latestAccessTime).toMatch(/\.234Z$/);
    const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;
    expect(Date.parse(item?.maxIdleExpirationTime as string)).toBe(seconds(loggedIn + 30 * 60_000));
    expect(Date.parse(item?.maxSessionExpirationTime as string)).toBe(seconds(loggedIn + 120 * 60_000));
    expect(item).not.toHaveProperty('_id');
    expect(item).not.toHaveProperty('_rev');
  });

  it('83: with protocol 2 (also the default) each item starts with a string _rev and never has _id', async () => {
    await loginBjensen();
    const text = 'realm eq "/" and username eq "bjensen"';
    for (const version of [undefined, 'resource=4.0', 'resource=2.1, protocol=2.0']) {
      const [item] = items(
        await query(t, { token: admin, query: filter(text), ...(version ? { version } : {}) }),
      );
      expect(Object.keys(item as Item), version).toEqual(['_rev', ...ITEM_KEYS]);
      expect(typeof item?._rev).toBe('string');
      expect(item).not.toHaveProperty('_id');
    }
  });

  it("84: resultCount is the number of the user's live sessions in that realm", async () => {
    const first = await loginBjensen();
    await loginBjensen();
    await loginBjensen();
    // Another user in the same realm and a same-named user in another realm are not counted.
    await t.services.identities.create(realm(t, '/alpha'), {
      username: 'bjensen',
      password: BJENSEN_PASSWORD,
    });
    await login(t.app, 'bjensen', BJENSEN_PASSWORD);
    const text = 'username eq "bjensen" and realm eq "/"';
    const count = async () =>
      json(await query(t, { token: admin, version: V4, query: filter(text) })).resultCount;
    expect(await count()).toBe(3);
    expect((await sessionAction(t.app, 'logout', { token: first, version: V4 })).statusCode).toBe(200);
    expect(await count()).toBe(2);
    // The user name compares case-insensitively.
    const upper = 'username eq "BJENSEN" and realm eq "/"';
    expect(json(await query(t, { token: admin, version: V4, query: filter(upper) })).resultCount).toBe(2);
    // Timed-out sessions are not listed.
    t.clock.advance(31 * 60_000);
    admin = await loginAdmin(t.app); // the admin's own session timed out too
    expect(await count()).toBe(0);
  });

  it('85: realm eq "/" alone lists every live session of exactly that realm', async () => {
    await loginBjensen();
    await loginDemo(t.app); // in /alpha: not listed under "/"
    const listed = items(await query(t, { token: admin, version: V4, query: filter('realm eq "/"') }));
    expect(listed.map((i) => i.username).sort()).toEqual(['amAdmin', 'bjensen']);
    expect(listed.every((i) => i.realm === '/')).toBe(true);
    const alpha = items(await query(t, { token: admin, version: V4, query: filter('realm eq "/alpha"') }));
    expect(alpha.map((i) => i.username)).toEqual(['demo']);
    // A realm that does not exist has no sessions.
    expect(items(await query(t, { token: admin, version: V4, query: filter('realm eq "/nosuch"') }))).toEqual(
      [],
    );
    expect(
      json(await query(t, { token: admin, version: V4, query: filter('realm eq "/bravo"') })),
    ).toMatchObject({
      result: [],
      resultCount: 0,
    });
  });

  it('85: the list is capped at session.maxSessionListSize', async () => {
    const small = await buildTestApp({ config: { session: { maxSessionListSize: 2 } } });
    try {
      for (let i = 0; i < 4; i += 1) await loginDemo(small.app);
      const token = await loginAdmin(small.app);
      const response = await small.app.inject({
        method: 'GET',
        url: `${ROOT}/sessions?${filter('realm eq "/alpha"')}`,
        headers: { iplanetdirectorypro: token, 'accept-api-version': V4 },
      });
      expect(json(response).resultCount).toBe(2);
    } finally {
      await small.close();
    }
  });

  it('86: username eq alone → 400 The query filter must specify the realm', async () => {
    const response = await query(t, { token: admin, version: V4, query: filter('username eq "bjensen"') });
    expectCrestError(response, 400, 'The query filter must specify the realm');
  });

  it('87: another field with eq → 400 <field> is not supported in query filter', async () => {
    const response = await query(t, {
      token: admin,
      version: V4,
      query: filter('foo eq "x" and realm eq "/"'),
    });
    expectCrestError(response, 400, 'foo is not supported in query filter');
    const alone = await query(t, { token: admin, version: V4, query: filter('universalId eq "x"') });
    expectCrestError(alone, 400, 'universalId is not supported in query filter');
    // Field names are exact.
    const cased = await query(t, {
      token: admin,
      version: V4,
      query: filter('Username eq "x" and realm eq "/"'),
    });
    expectCrestError(cased, 400, 'Username is not supported in query filter');
  });

  it('87: other operators → 400 Unsupported query filter (OpenAM: 500); unparseable → 400', async () => {
    for (const text of [
      'true',
      'realm co "/"',
      'realm sw "/"',
      'realm pr',
      'realm eq "/" or username eq "bjensen"',
      '!(realm eq "/")',
      'realm eq "/" and username co "b"',
      'realm gt "/"',
    ]) {
      const response = await query(t, { token: admin, version: V4, query: filter(text) });
      expectCrestError(response, 400, `Unsupported query filter: ${text}`);
    }
    const bad = await query(t, { token: admin, version: V4, query: filter('realm eq') });
    expectCrestError(
      bad,
      400,
      `The value 'realm eq' for parameter '_queryFilter' could not be parsed as a valid query filter`,
    );
  });

  it('87: the filter may name realm and username in either order, with or without parentheses', async () => {
    await loginBjensen();
    for (const text of [
      'realm eq "/" and username eq "bjensen"',
      'username eq "bjensen" and realm eq "/"',
      '(username eq "bjensen") and (realm eq "/")',
      '/realm eq "/" and /username eq "bjensen"',
    ]) {
      expect(items(await query(t, { token: admin, version: V4, query: filter(text) })), text).toHaveLength(1);
    }
    // Contradictory conditions match nothing.
    const none = 'realm eq "/" and realm eq "/alpha" and username eq "bjensen"';
    expect(items(await query(t, { token: admin, version: V4, query: filter(none) }))).toEqual([]);
  });

  it('88: a user query → 403; an anonymous query → 401', async () => {
    const user = await loginBjensen();
    const text = filter('realm eq "/"');
    const asUser = await query(t, { token: user, version: V4, query: text });
    expectCrestError(asUser, 403);
    expect(json(asUser)).toEqual(FORBIDDEN);
    const anonymous = await query(t, { version: V4, query: text });
    expectCrestError(anonymous, 401);
    expect(json(anonymous)).toEqual(ACCESS_DENIED);
  });

  it('89: admin logoutByHandle → true for a live handle and for a bogus one; the session is gone', async () => {
    const token = await loginBjensen();
    const [item] = items(
      await query(t, { token: admin, version: V4, query: filter('username eq "bjensen" and realm eq "/"') }),
    );
    const h1 = item?.sessionHandle as string;
    const response = await sessionAction(t.app, 'logoutByHandle', {
      token: admin,
      version: V4,
      realmPath: '/realms/root',
      body: { sessionHandles: [h1, 'shandle:bogus'] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(JSON.stringify({ result: { [h1]: true, 'shandle:bogus': true } }));
    expect(await validates(t, token)).toBe(false);
    // The same handle again (already gone) is still true; so is something that is no handle at all.
    const again = await sessionAction(t.app, 'logoutByHandle', {
      token: admin,
      version: V2,
      body: { sessionHandles: [h1, 'not-a-handle', '__proto__'] },
    });
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(`{"result":{"${h1}":true,"not-a-handle":true,"__proto__":true}}`);
    // An empty list answers an empty map.
    const empty = await sessionAction(t.app, 'logoutByHandle', {
      token: admin,
      version: V4,
      body: { sessionHandles: [] },
    });
    expect(empty.body).toBe('{"result":{}}');
    // The admin's own session survives.
    expect(await validates(t, admin)).toBe(true);
  });

  it('90: logoutByHandle with {} (or a non-array, or no body) → 400', async () => {
    const message = `The "sessionHandles" field is not defined in the request or it's not a JSON array`;
    for (const body of [
      {},
      { sessionHandles: 'shandle:x' },
      { sessionHandles: null },
      { sessionHandles: [1] },
      undefined,
    ]) {
      const response = await sessionAction(t.app, 'logoutByHandle', {
        token: admin,
        version: V4,
        ...(body === undefined ? {} : { body }),
      });
      expectCrestError(response, 400, message);
    }
  });

  it('91: a user logoutByHandle → 403, even for its own handle; at 1.x the action does not exist', async () => {
    const user = await loginBjensen();
    const [item] = items(
      await query(t, { token: admin, version: V4, query: filter('username eq "bjensen" and realm eq "/"') }),
    );
    const response = await sessionAction(t.app, 'logoutByHandle', {
      token: user,
      version: V4,
      realmPath: '/realms/root',
      body: { sessionHandles: [item?.sessionHandle] },
    });
    expectCrestError(response, 403);
    expect(json(response)).toEqual(FORBIDDEN);
    expect(await validates(t, user)).toBe(true);
    const legacy = await sessionAction(t.app, 'logoutByHandle', {
      token: admin,
      version: V1,
      body: { sessionHandles: [] },
    });
    expectCrestError(legacy, 501, 'Action logoutByHandle not implemented for this resource');
  });

  it('92: admin logoutByUser at 5.1 → {"result":true}; every session of that user in that realm is gone', async () => {
    const b1 = await loginBjensen();
    const b2 = await loginBjensen();
    // A bjensen of /alpha is another user: her session survives a logout of root's bjensen.
    await t.services.identities.create(realm(t, '/alpha'), {
      username: 'bjensen',
      password: BJENSEN_PASSWORD,
    });
    const alphaB = await login(t.app, 'bjensen', BJENSEN_PASSWORD);
    const demo = await loginDemo(t.app);
    const response = await sessionAction(t.app, 'logoutByUser', {
      token: admin,
      version: V5,
      realmPath: '/realms/root',
      body: { username: 'bjensen' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"result":true}');
    expect(await validates(t, b1)).toBe(false);
    expect(await validates(t, b2)).toBe(false);
    expect(await validates(t, alphaB)).toBe(true);
    expect(await validates(t, demo)).toBe(true);
    expect(await validates(t, admin)).toBe(true);
    // The realm of the URL decides whose sessions go; a user with none still answers true.
    const alpha = await sessionAction(t.app, 'logoutByUser', {
      token: admin,
      version: V5,
      body: { username: 'BJENSEN' },
    });
    expect(alpha.body).toBe('{"result":true}');
    expect(await validates(t, alphaB)).toBe(false);
    expect(await validates(t, demo)).toBe(true);
    const nobody = await sessionAction(t.app, 'logoutByUser', {
      token: admin,
      version: V5,
      body: { username: 'nobody' },
    });
    expect(nobody.body).toBe('{"result":true}');
  });

  it('92: logoutByUser exists only at 5.1 and needs a user name', async () => {
    for (const version of [V4, 'resource=3.1, protocol=1.0', V2]) {
      const response = await sessionAction(t.app, 'logoutByUser', {
        token: admin,
        version,
        body: { username: 'demo' },
      });
      expectCrestError(response, 501, 'Action logoutByUser not implemented for this resource');
    }
    for (const body of [{}, { username: '' }, { username: 7 }]) {
      const response = await sessionAction(t.app, 'logoutByUser', { token: admin, version: V5, body });
      expectCrestError(response, 400);
    }
    const anonymous = await sessionAction(t.app, 'logoutByUser', { version: V5, body: { username: 'demo' } });
    expect(json(anonymous)).toEqual(ACCESS_DENIED);
    // No version header: the newest route (5.1) serves it.
    const latest = await sessionAction(t.app, 'logoutByUser', { token: admin, body: { username: 'demo' } });
    expect(latest.statusCode).toBe(200);
  });

  it("93: a user's logoutByUser naming itself → 200 true; naming someone else → 403", async () => {
    const demo = await loginDemo(t.app);
    const demo2 = await loginDemo(t.app);
    const b = await loginBjensen();
    const other = await sessionAction(t.app, 'logoutByUser', {
      token: demo,
      version: V5,
      realmPath: '/realms/root',
      body: { username: 'bjensen' },
    });
    expectCrestError(other, 403);
    expect(json(other)).toEqual(FORBIDDEN);
    expect(await validates(t, b)).toBe(true);
    // Its own user name, but in another realm's URL, is another user.
    const wrongRealm = await sessionAction(t.app, 'logoutByUser', {
      token: demo,
      version: V5,
      realmPath: '/realms/root',
      body: { username: 'demo' },
    });
    expectCrestError(wrongRealm, 403);
    const self = await sessionAction(t.app, 'logoutByUser', {
      token: demo,
      version: V5,
      body: { username: 'DEMO' },
    });
    expect(self.statusCode).toBe(200);
    expect(self.body).toBe('{"result":true}');
    expect(await validates(t, demo)).toBe(false);
    expect(await validates(t, demo2)).toBe(false);
    expect(await validates(t, b)).toBe(true);
  });

  it('94: admin GET/PUT/PATCH/DELETE R/sessions/<anything> → 501 Operation is not supported.', async () => {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const response = await t.app.inject({
        method,
        url: `${ROOT}/sessions/anything`,
        headers: { iplanetdirectorypro: admin, 'accept-api-version': V4, 'content-type': 'application/json' },
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: method === 'PATCH' ? '[]' : '{}' }),
      });
      expectCrestError(response, 501, 'Operation is not supported.');
    }
  });

  it('95: admin GET R/sessions with no query parameter → 400', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `${ROOT}/sessions`,
      headers: { iplanetdirectorypro: admin, 'accept-api-version': V4 },
    });
    expectCrestError(response, 400, 'The resource collection  cannot be read');
  });

  describe('query parameters', () => {
    it('_queryId at resource 2+ and _queryExpression anywhere → 400; both with _queryFilter → 400', async () => {
      expectCrestError(await query(t, { token: admin, version: V4, query: '_queryId=all' }), 400);
      expectCrestError(await query(t, { token: admin, version: V4, query: '_queryExpression=x' }), 400);
      expectCrestError(
        await query(t, { token: admin, version: V4, query: `_queryId=all&${filter('realm eq "/"')}` }),
        400,
        'The parameters _queryId and _queryFilter are mutually exclusive',
      );
    });

    it('paging parameters are checked and ignored; _fields restricts the items', async () => {
      await loginBjensen();
      await loginBjensen();
      const text = filter('username eq "bjensen" and realm eq "/"');
      const paged = await query(t, { token: admin, version: V4, query: `${text}&_pageSize=1` });
      expect(json(paged).resultCount).toBe(2);
      expectCrestError(
        await query(t, { token: admin, version: V4, query: `${text}&_pageSize=abc` }),
        400,
        "The value 'abc' for parameter '_pageSize' could not be parsed as a valid integer",
      );
      const fields = items(
        await query(t, { token: admin, version: V4, query: `${text}&_fields=username,sessionHandle` }),
      );
      expect(Object.keys(fields[0] as Item)).toEqual(['username', 'sessionHandle']);
    });

    it('a query on an instance → 400', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `${ROOT}/sessions/x?${filter('realm eq "/"')}`,
        headers: { iplanetdirectorypro: admin, 'accept-api-version': V4 },
      });
      expectCrestError(response, 400, 'The resource instance x cannot be queried');
    });
  });

  describe('1.x named queries (_queryId)', () => {
    it('all → {userid, timeleft} for every live session of the URL realm tree', async () => {
      await loginBjensen();
      await loginDemo(t.app);
      t.clock.advance(10 * 60_000 + 5_000);
      const all = items(await query(t, { token: admin, version: V1, query: '_queryId=all' }));
      expect(all.every((i) => Object.keys(i).join() === 'userid,timeleft')).toBe(true);
      expect(all.map((i) => i.userid).sort()).toEqual(['amAdmin', 'bjensen', 'demo']);
      // 120 min minus 10 min 5 s: 109 whole minutes left.
      expect(all.every((i) => i.timeleft === 109)).toBe(true);
      // Under /alpha only /alpha's sessions.
      const alpha = items(await query(t, { token: admin, version: V1, base: ALPHA, query: '_queryId=all' }));
      expect(alpha).toEqual([{ userid: 'demo', timeleft: 109 }]);
    });

    it("list → the server ids; server&serverId and a bare server id → that server's sessions", async () => {
      await loginDemo(t.app);
      const list = json(await query(t, { token: admin, version: V1, query: '_queryId=list' }));
      expect(list).toEqual({
        result: ['01'],
        resultCount: 1,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      });
      const server = items(
        await query(t, { token: admin, version: V1, query: '_queryId=server&serverId=01' }),
      );
      expect(server.map((i) => i.userid).sort()).toEqual(['amAdmin', 'demo']);
      expect(items(await query(t, { token: admin, version: V1, query: '_queryId=01' }))).toEqual(server);
      expect(items(await query(t, { token: admin, version: V1, query: '_queryId=02' }))).toEqual([]);
      expect(
        items(await query(t, { token: admin, version: V1, query: '_queryId=server&serverId=02' })),
      ).toEqual([]);
      expectCrestError(await query(t, { token: admin, version: V1, query: '_queryId=server' }), 400);
    });

    it('an unknown _queryId or a _queryFilter at 1.x → 400; a user → 403', async () => {
      expectCrestError(await query(t, { token: admin, version: V1, query: '_queryId=nosuch' }), 400);
      expectCrestError(await query(t, { token: admin, version: V1, query: filter('realm eq "/"') }), 400);
      const user = await loginDemo(t.app);
      expectCrestError(await query(t, { token: user, version: V1, base: ALPHA, query: '_queryId=all' }), 403);
    });
  });
});

/** Realm admins (`realms[].admins`): everything an admin may do, within their realm tree only. */
describe('realm admins', () => {
  let t: TestApp;
  let alphaAdmin: string;
  beforeEach(async () => {
    t = await buildTestApp({
      config: {
        realms: [{ path: '/alpha', admins: ['alphaadmin'] }, { path: '/alpha/sub' }, { path: '/bravo' }],
      },
    });
    await t.services.identities.create(realm(t, '/alpha'), {
      username: 'alphaadmin',
      password: 'Alph4-admin',
    });
    await t.services.identities.create(root(t), { username: 'rootuser', password: 'R00t-user-pw' });
    await t.services.identities.create(realm(t, '/alpha/sub'), {
      username: 'subuser',
      password: 'Sub-us3r-pw',
    });
    alphaAdmin = await login(t.app, 'alphaadmin', 'Alph4-admin');
  });
  afterEach(() => t.close());

  const alphaQuery = (text: string, base = ALPHA) =>
    query(t, { token: alphaAdmin, version: V4, base, query: filter(text) });

  it('may query /alpha and realms below it', async () => {
    await loginDemo(t.app);
    const listed = items(await alphaQuery('realm eq "/alpha"'));
    expect(listed.map((i) => i.username).sort()).toEqual(['alphaadmin', 'demo']);
    expect(items(await alphaQuery('realm eq "/alpha" and username eq "demo"'))).toHaveLength(1);
    await login(t.app, 'subuser', 'Sub-us3r-pw', '/realms/root/realms/alpha/realms/sub');
    expect(items(await alphaQuery('realm eq "/alpha/sub"'))).toHaveLength(1);
  });

  it('may not query / or /bravo (403), whatever the URL', async () => {
    for (const [text, base] of [
      ['realm eq "/"', ALPHA],
      ['realm eq "/bravo"', ALPHA],
      ['realm eq "/nosuch"', ALPHA],
      ['realm eq "/alpha" and realm eq "/"', ALPHA],
      ['realm eq "/"', ROOT],
      ['realm eq "/alpha"', ROOT],
      ['realm eq "/bravo"', '/am/json/realms/root/realms/bravo'],
    ] as const) {
      const response = await alphaQuery(text, base);
      expectCrestError(response, 403);
      expect(json(response), `${base} ${text}`).toEqual(FORBIDDEN);
    }
    // Nor the 1.x named queries outside its tree.
    expectCrestError(
      await query(t, { token: alphaAdmin, version: V1, base: ROOT, query: '_queryId=all' }),
      403,
    );
  });

  it('1.x _queryId=all lists only its realm tree', async () => {
    await loginDemo(t.app);
    await loginAdmin(t.app);
    const all = items(await query(t, { token: alphaAdmin, version: V1, base: ALPHA, query: '_queryId=all' }));
    expect(all.map((i) => i.userid).sort()).toEqual(['alphaadmin', 'demo']);
  });

  it('may refresh, getSessionInfo and logoutByHandle sessions in /alpha', async () => {
    const demo = await loginDemo(t.app);
    const refresh = await sessionAction(t.app, 'refresh', {
      token: alphaAdmin,
      version: V4,
      body: { tokenId: demo },
    });
    expect(refresh.statusCode).toBe(200);
    expect(json(refresh).uid).toBe('demo');
    const info = await sessionAction(t.app, 'getSessionInfo', {
      token: alphaAdmin,
      version: V4,
      body: { tokenId: demo },
    });
    expect(info.statusCode).toBe(200);
    expect(json(info).username).toBe('demo');
    const [item] = items(await alphaQuery('realm eq "/alpha" and username eq "demo"'));
    const handle = item?.sessionHandle as string;
    const out = await sessionAction(t.app, 'logoutByHandle', {
      token: alphaAdmin,
      version: V4,
      body: { sessionHandles: [handle] },
    });
    expect(out.statusCode).toBe(200);
    expect(json(out)).toEqual({ result: { [handle]: true } });
    expect(await validates(t, demo)).toBe(false);
  });

  it('may not refresh, getSessionInfo or logoutByHandle sessions of root users (403 / false)', async () => {
    const user = await login(t.app, 'rootuser', 'R00t-user-pw', '/realms/root');
    for (const action of ['refresh', 'getSessionInfo']) {
      const response = await sessionAction(t.app, action, {
        token: alphaAdmin,
        version: V4,
        body: { tokenId: user },
      });
      expectCrestError(response, 403);
      expect(json(response), action).toEqual(FORBIDDEN);
    }
    const amAdmin = await loginAdmin(t.app);
    const [item] = items(
      await query(t, {
        token: amAdmin,
        version: V4,
        query: filter('realm eq "/" and username eq "rootuser"'),
      }),
    );
    const handle = item?.sessionHandle as string;
    const out = await sessionAction(t.app, 'logoutByHandle', {
      token: alphaAdmin,
      version: V4,
      body: { sessionHandles: [handle, 'shandle:bogus'] },
    });
    expect(out.statusCode).toBe(200);
    expect(json(out)).toEqual({ result: { [handle]: false, 'shandle:bogus': true } });
    expect(await validates(t, user)).toBe(true);
    // Through the root URL it is not an admin at all.
    const viaRoot = await sessionAction(t.app, 'logoutByHandle', {
      token: alphaAdmin,
      version: V4,
      realmPath: '/realms/root',
      body: { sessionHandles: [handle] },
    });
    expectCrestError(viaRoot, 403);
    expect(await validates(t, user)).toBe(true);
  });

  it('may logoutByUser users of /alpha but not of the root realm', async () => {
    const demo = await loginDemo(t.app);
    const user = await login(t.app, 'rootuser', 'R00t-user-pw', '/realms/root');
    const alpha = await sessionAction(t.app, 'logoutByUser', {
      token: alphaAdmin,
      version: V5,
      body: { username: 'demo' },
    });
    expect(alpha.body).toBe('{"result":true}');
    expect(await validates(t, demo)).toBe(false);
    const rootUser = await sessionAction(t.app, 'logoutByUser', {
      token: alphaAdmin,
      version: V5,
      realmPath: '/realms/root',
      body: { username: 'rootuser' },
    });
    expectCrestError(rootUser, 403);
    expect(await validates(t, user)).toBe(true);
  });
});
