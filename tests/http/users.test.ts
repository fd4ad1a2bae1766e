import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, login, loginAdmin, loginDemo, type TestApp } from '../helpers/app.js';

const ALPHA = '/realms/root/realms/alpha';
const PASSWORD = 'B4rbara-s3cret';

interface Call {
  method?: InjectOptions['method'];
  /** After `/users`: `''`, `/bjensen`, `/?x`. */
  path?: string;
  query?: string;
  token?: string;
  body?: unknown;
  version?: string;
  realmPath?: string;
  headers?: Record<string, string>;
}

describe('/json/users', () => {
  let t: TestApp;
  let admin: string;
  /** Every answer, to check that no password ever leaks. */
  let seen: LightMyRequestResponse[];

  beforeEach(async () => {
    t = await buildTestApp();
    admin = await loginAdmin(t.app);
    seen = [];
  });
  afterEach(async () => {
    for (const response of seen) {
      expect(response.body.toLowerCase()).not.toContain('userpassword');
      expect(response.body).not.toContain(PASSWORD);
      expect(response.body).not.toContain('$argon2');
    }
    await t.close();
  });

  const users = async (call: Call = {}) => {
    const headers: Record<string, string> = { ...call.headers };
    if (call.token !== undefined) headers.iplanetdirectorypro = call.token;
    if (call.version !== undefined) headers['accept-api-version'] = call.version;
    const request: InjectOptions = {
      method: call.method ?? 'GET',
      url: `/am/json${call.realmPath ?? ALPHA}/users${call.path ?? ''}${call.query ? `?${call.query}` : ''}`,
      headers,
    };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      request.payload = JSON.stringify(call.body);
    }
    const response = await t.app.inject(request);
    seen.push(response);
    return response;
  };

  const create = (body: Record<string, unknown>, call: Call = {}) =>
    users({ method: 'POST', query: '_action=create', token: admin, body, ...call });

  const bjensen = {
    username: 'bjensen',
    userpassword: PASSWORD,
    mail: 'bjensen@example.com',
    givenName: ['Barbara'],
    sn: 'Jensen',
    cn: 'Barbara Jensen',
  };

  describe('create', () => {
    it('creates a user in the URL realm, answering 201 with AM 7 user JSON', async () => {
      const response = await create(bjensen);
      expect(response.statusCode).toBe(201);
      expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
      expect(response.headers['content-api-version']).toBe('protocol=2.1,resource=4.0');
      expect(response.headers.location).toBe(`/am/json${ALPHA}/users/bjensen`);
      const body = response.json();
      expect(Object.keys(body).slice(0, 13)).toEqual([
        '_id',
        '_rev',
        'username',
        'realm',
        'uid',
        'universalid',
        'objectClass',
        'inetUserStatus',
        'dn',
        'cn',
        'sn',
        'createTimestamp',
        'modifyTimestamp',
      ]);
      expect(body).toMatchObject({
        _id: 'bjensen',
        username: 'bjensen',
        realm: '/alpha',
        uid: ['bjensen'],
        universalid: ['id=bjensen,ou=user,o=alpha,ou=services,ou=am-config'],
        inetUserStatus: ['Active'],
        dn: ['uid=bjensen,ou=people,o=alpha,ou=services,ou=am-config'],
        cn: ['Barbara Jensen'],
        sn: ['Jensen'],
        createTimestamp: ['20260101090000Z'],
        modifyTimestamp: ['20260101090000Z'],
        mail: ['bjensen@example.com'],
        givenName: ['Barbara'],
      });
      expect(typeof body._rev).toBe('string');
      expect(body.objectClass).toContain('inetorgperson');
      expect(response.headers.etag).toBe(`"${body._rev}"`);
    });

    it('lets the new user log in with zero-page headers', async () => {
      await create(bjensen);
      await expect(login(t.app, 'bjensen', PASSWORD)).resolves.toMatch(/./);
      await expect(login(t.app, 'bjensen', 'wrong-password')).rejects.toThrow(/401/);
    });

    it('accepts /users/?_action=create, PUT with If-None-Match: * and a CREST create at protocol 2.1', async () => {
      expect(
        (
          await users({
            method: 'POST',
            path: '/',
            query: '_action=create',
            token: admin,
            body: { username: 'a1' },
          })
        ).statusCode,
      ).toBe(201);
      const put = await users({
        method: 'PUT',
        path: '/a2',
        token: admin,
        body: { username: 'ignored', mail: 'a2@example.com' },
        headers: { 'if-none-match': '*' },
      });
      expect(put.statusCode).toBe(201);
      expect(put.json()).toMatchObject({ _id: 'a2', username: 'a2', mail: ['a2@example.com'] });
      expect(put.headers.location).toBe(`/am/json${ALPHA}/users/a2`);
      const crest = await users({ method: 'POST', token: admin, body: { username: 'a3' } });
      expect(crest.statusCode).toBe(201);
      expect(crest.json()._id).toBe('a3');
      const legacy = await users({
        method: 'POST',
        token: admin,
        body: { username: 'a4' },
        version: 'protocol=1.0',
      });
      expect(legacy.statusCode).toBe(400);
      expect(legacy.json().message).toBe("No values provided for the request parameter '_action'");
    });

    it('sets the status from inetUserStatus and cn/sn default to the user name', async () => {
      const response = await create({ username: 'idle', userpassword: PASSWORD, inetUserStatus: 'Inactive' });
      expect(response.json()).toMatchObject({ inetUserStatus: ['Inactive'], cn: ['idle'], sn: ['idle'] });
      await expect(login(t.app, 'idle', PASSWORD)).rejects.toThrow(/401/);
    });

    it('answers 400 without a username and for bad attribute values', async () => {
      const missing = await create({ userpassword: PASSWORD });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toEqual({
        code: 400,
        reason: 'Bad Request',
        message: "Missing 'username' in the request body",
      });
      expect((await create({ username: 'x', mail: 5 })).json().message).toBe(
        "Invalid value for attribute 'mail': expected a string or an array of strings",
      );
      expect((await create({ username: 'x', inetUserStatus: 'Sleeping' })).statusCode).toBe(400);
      expect((await create({ username: 'bad name' })).statusCode).toBe(400);
    });

    it('answers 409 for an existing user', async () => {
      await create(bjensen);
      const again = await create({ ...bjensen, username: 'BJensen' });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 409, reason: 'Conflict' });
    });

    it('omits _id and _rev at protocol 1.0', async () => {
      const response = await create(bjensen, { version: 'protocol=1.0,resource=2.0' });
      expect(response.statusCode).toBe(201);
      expect(response.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
      const body = response.json();
      expect(Object.keys(body)[0]).toBe('username');
      expect(body._id).toBeUndefined();
      expect(body._rev).toBeUndefined();
    });
  });

  describe('read, update, delete', () => {
    beforeEach(async () => {
      expect((await create(bjensen)).statusCode).toBe(201);
    });

    it('reads a user, case-insensitively, and applies _fields', async () => {
      const response = await users({ path: '/BJENSEN', token: admin });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ _id: 'bjensen', mail: ['bjensen@example.com'] });
      const some = await users({ path: '/bjensen', query: '_fields=uid,/mail', token: admin });
      expect(Object.keys(some.json())).toEqual(['_id', '_rev', 'uid', 'mail']);
      const v1 = await users({
        path: '/bjensen',
        query: '_fields=cn',
        token: admin,
        version: 'protocol=1.0',
      });
      expect(v1.json()).toEqual({ cn: ['Barbara Jensen'] });
    });

    it('answers 400 for a bad _fields value', async () => {
      const response = await users({ path: '/bjensen', query: '_fields=uid,a~2', token: admin });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toBe(
        "The value 'uid,a~2' for parameter '_fields' could not be parsed as a comma separated list of JSON pointers",
      );
    });

    it('answers 404 for an unknown user', async () => {
      const response = await users({ path: '/nobody', token: admin });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 404, reason: 'Not Found' });
      expect((await users({ method: 'PUT', path: '/nobody', token: admin, body: {} })).statusCode).toBe(404);
      expect((await users({ method: 'DELETE', path: '/nobody', token: admin })).statusCode).toBe(404);
    });

    it('updates named attributes, keeps the others, ignores computed ones and changes the password', async () => {
      const before = (await users({ path: '/bjensen', token: admin })).json();
      t.clock.advanceSeconds(5);
      const response = await users({
        method: 'PUT',
        path: '/bjensen',
        token: admin,
        body: {
          _id: 'other',
          username: 'other',
          universalid: ['id=other'],
          dn: ['uid=other'],
          realm: '/',
          mail: ['b@example.com', 'babs@example.com'],
          telephoneNumber: '+1 555 0100',
          userpassword: 'N3w-password',
        },
      });
      expect(response.statusCode).toBe(200);
      const after = response.json();
      expect(after).toMatchObject({
        _id: 'bjensen',
        realm: '/alpha',
        universalid: before.universalid,
        dn: before.dn,
        mail: ['b@example.com', 'babs@example.com'],
        telephoneNumber: ['+1 555 0100'],
        givenName: ['Barbara'],
        createTimestamp: ['20260101090000Z'],
        modifyTimestamp: ['20260101090005Z'],
      });
      expect(after._rev).not.toBe(before._rev);
      await expect(login(t.app, 'bjensen', PASSWORD)).rejects.toThrow(/401/);
      await expect(login(t.app, 'bjensen', 'N3w-password')).resolves.toMatch(/./);
      const cleared = await users({
        method: 'PUT',
        path: '/bjensen',
        token: admin,
        body: { telephoneNumber: [] },
      });
      expect(cleared.json().telephoneNumber).toBeUndefined();
    });

    it('deactivates a user, who can then no longer log in (401), and reactivates it', async () => {
      const off = await users({
        method: 'PUT',
        path: '/bjensen',
        token: admin,
        body: { inetUserStatus: ['Inactive'] },
      });
      expect(off.json().inetUserStatus).toEqual(['Inactive']);
      const attempt = await t.app.inject({
        method: 'POST',
        url: `/am/json${ALPHA}/authenticate`,
        headers: {
          'x-openam-username': 'bjensen',
          'x-openam-password': PASSWORD,
          'accept-api-version': 'resource=2.1',
        },
      });
      expect(attempt.statusCode).toBe(401);
      await users({ method: 'PUT', path: '/bjensen', token: admin, body: { inetUserStatus: 'Active' } });
      await expect(login(t.app, 'bjensen', PASSWORD)).resolves.toMatch(/./);
    });

    it('deletes a user, answering its JSON', async () => {
      const response = await users({ method: 'DELETE', path: '/bjensen', token: admin });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        _id: 'bjensen',
        username: 'bjensen',
        mail: ['bjensen@example.com'],
      });
      expect((await users({ path: '/bjensen', token: admin })).statusCode).toBe(404);
      await expect(login(t.app, 'bjensen', PASSWORD)).rejects.toThrow(/401/);
    });

    it('refuses to delete or deactivate amAdmin', async () => {
      const root = { realmPath: '/realms/root', token: admin };
      expect((await users({ ...root, method: 'DELETE', path: '/amAdmin' })).statusCode).toBe(403);
      const off = await users({
        ...root,
        method: 'PUT',
        path: '/amAdmin',
        body: { inetUserStatus: 'Inactive' },
      });
      expect(off.statusCode).toBe(403);
    });
  });

  describe('query', () => {
    beforeEach(async () => {
      await create(bjensen);
      await create({ username: 'scarter', mail: 'scarter@example.org', inetUserStatus: 'Inactive' });
    });

    const ids = (response: LightMyRequestResponse) =>
      (response.json().result as { _id: string }[]).map((u) => u._id);
    const query = (filter: string, extra = '') =>
      users({ query: `_queryFilter=${encodeURIComponent(filter)}${extra}`, token: admin });

    it('answers the CREST envelope over the realm users', async () => {
      const response = await query('true');
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(Object.keys(body)).toEqual([
        'result',
        'resultCount',
        'pagedResultsCookie',
        'totalPagedResultsPolicy',
        'totalPagedResults',
        'remainingPagedResults',
      ]);
      expect(body).toMatchObject({
        resultCount: 3,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: 'NONE',
        totalPagedResults: -1,
        remainingPagedResults: -1,
      });
      expect(ids(response)).toEqual(['bjensen', 'demo', 'scarter']);
      expect(body.result[0]).toMatchObject({ username: 'bjensen', realm: '/alpha' });
      expect(ids(await users({ query: '_queryId=*', token: admin }))).toEqual(['bjensen', 'demo', 'scarter']);
      expect(ids(await users({ query: '_queryId=*', token: admin, realmPath: '/realms/root' }))).toEqual([
        'amAdmin',
      ]);
    });

    it('filters with eq (case-insensitive), co, sw, pr, and, or, ! and parentheses', async () => {
      expect(ids(await query('uid eq "BJENSEN"'))).toEqual(['bjensen']);
      expect(ids(await query('/username eq "demo"'))).toEqual(['demo']);
      expect(ids(await query('_id sw "s"'))).toEqual(['scarter']);
      expect(ids(await query('mail co "example"'))).toEqual(['bjensen', 'scarter']);
      expect(ids(await query('mail pr and !(inetUserStatus eq "inactive")'))).toEqual(['bjensen']);
      expect(ids(await query('not (mail pr)'))).toEqual(['demo']);
      expect(ids(await query('(uid eq "demo" or uid eq "scarter") and mail pr'))).toEqual(['scarter']);
      expect(ids(await query('false'))).toEqual([]);
    });

    it('applies _fields to each item and _id/_rev only at protocol 2', async () => {
      const response = await users({
        query: `_queryFilter=${encodeURIComponent('uid eq "bjensen"')}&_fields=mail`,
        token: admin,
      });
      expect(response.json().result).toEqual([
        { _id: 'bjensen', _rev: expect.any(String), mail: ['bjensen@example.com'] },
      ]);
      const v1 = await users({
        query: '_queryFilter=true&_fields=uid',
        token: admin,
        version: 'protocol=1.0',
      });
      expect(v1.json().result).toEqual([{ uid: ['bjensen'] }, { uid: ['demo'] }, { uid: ['scarter'] }]);
    });

    it('pages with _pageSize and _pagedResultsOffset', async () => {
      expect(ids(await query('true', '&_pageSize=2'))).toEqual(['bjensen', 'demo']);
      expect(ids(await query('true', '&_pageSize=2&_pagedResultsOffset=2'))).toEqual(['scarter']);
      const bad = await query('true', '&_pageSize=ten');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toBe(
        "The value 'ten' for parameter '_pageSize' could not be parsed as a valid integer",
      );
    });

    it('answers 400 for a filter it cannot parse, naming the problem', async () => {
      const response = await query('uid eq');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        code: 400,
        reason: 'Bad Request',
        message:
          "The value 'uid eq' for parameter '_queryFilter' could not be parsed as a valid query filter",
        detail: { reason: "Expected a value after 'eq' but found the end of the filter" },
      });
      expect((await query('uid ne "x"')).json().detail.reason).toBe("Unsupported filter operator 'ne'");
      expect((await users({ query: '_queryId=all', token: admin })).statusCode).toBe(400);
    });
  });

  describe('idFromSession', () => {
    const idFromSession = (token?: string, realmPath = '/realms/root') =>
      t.app.inject({
        method: 'POST',
        url: `/am/json${realmPath}/users?_action=idFromSession`,
        headers: {
          'accept-api-version': 'protocol=1.0,resource=2.0',
          ...(token === undefined ? {} : { iplanetdirectorypro: token }),
        },
      });

    it('answers the caller identity from its session, without a body or content type (checklist 126)', async () => {
      const token = await loginDemo(t.app);
      const response = await idFromSession(token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        id: 'demo',
        realm: '/alpha',
        dn: 'id=demo,ou=user,o=alpha,ou=services,ou=am-config',
        successURL: '/am/console',
        fullLoginURL: '/am/UI/Login?realm=%2Falpha',
      });
      expect(response.headers['content-api-version']).toBe('protocol=1.0,resource=2.1');
      const unversioned = await t.app.inject({
        method: 'POST',
        url: '/am/json/users?_action=idFromSession',
        headers: { iplanetdirectorypro: token },
      });
      expect(unversioned.json().id).toBe('demo');
      expect((await idFromSession(token, ALPHA)).json().realm).toBe('/alpha');
    });

    it('works for a created user and for amAdmin', async () => {
      await create(bjensen);
      const token = await login(t.app, 'bjensen', PASSWORD);
      expect((await idFromSession(token)).json()).toMatchObject({ id: 'bjensen', realm: '/alpha' });
      expect((await idFromSession(admin)).json()).toMatchObject({
        id: 'amAdmin',
        realm: '/',
        dn: 'id=amAdmin,ou=user,ou=am-config',
        fullLoginURL: '/am/UI/Login?realm=%2F',
      });
    });

    it('answers 401 Access Denied anonymously (checklist 125)', async () => {
      const response = await idFromSession();
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ code: 401, reason: 'Unauthorized', message: 'Access Denied' });
      expect((await idFromSession('not-a-token')).statusCode).toBe(401);
    });
  });

  describe('callers, permissions and CREST errors', () => {
    it('answers 401 to anonymous callers of every operation', async () => {
      for (const call of [
        { method: 'POST', query: '_action=create', body: bjensen },
        { path: '/demo' },
        { query: '_queryFilter=true' },
        { method: 'PUT', path: '/demo', body: {} },
        { method: 'DELETE', path: '/demo' },
        { query: '_queryFilter=true', version: 'resource=9.0' },
      ] as Call[]) {
        const response = await users(call);
        expect(response.statusCode).toBe(401);
        expect(response.json()).toEqual({ code: 401, reason: 'Unauthorized', message: 'Access Denied' });
      }
    });

    it('answers 403 to a non-admin user, even for its own entry and with a bad version', async () => {
      const token = await loginDemo(t.app);
      for (const call of [
        { method: 'POST', query: '_action=create', body: bjensen },
        { path: '/demo' },
        { query: '_queryFilter=true' },
        { method: 'PUT', path: '/demo', body: { userpassword: 'x' } },
        { method: 'DELETE', path: '/demo' },
        { path: '/demo', version: 'resource=9.0' },
      ] as Call[]) {
        const response = await users({ ...call, token });
        expect(response.statusCode).toBe(403);
        expect(response.json()).toEqual({ code: 403, reason: 'Forbidden', message: 'Forbidden' });
      }
      await expect(login(t.app, 'demo', DEMO_PASSWORD)).resolves.toMatch(/./);
    });

    it('checks the body before the caller, and the version after the permission', async () => {
      const malformed = await t.app.inject({
        method: 'POST',
        url: `/am/json${ALPHA}/users?_action=create`,
        headers: { 'content-type': 'application/json' },
        payload: '{"username":',
      });
      expect(malformed.statusCode).toBe(400);
      const version = await users({ path: '/demo', token: admin, version: 'resource=9.0' });
      expect(version.statusCode).toBe(404);
      expect(version.json().message).toBe(
        'Accept-API-Version: Requested version "9.0" does not match any routes.',
      );
      const served = await users({ path: '/demo', token: admin, version: 'resource=3' });
      expect(served.headers['content-api-version']).toBe('protocol=2.1,resource=3.0');
    });

    it('answers 501 for unknown actions, PATCH and other methods', async () => {
      const action = await users({ method: 'POST', query: '_action=frobnicate', token: admin });
      expect(action.statusCode).toBe(501);
      expect(action.json().message).toBe('Action frobnicate not implemented for this resource');
      const patch = await users({ method: 'PATCH', path: '/demo', token: admin, body: [] });
      expect(patch.statusCode).toBe(501);
      expect(patch.json().message).toBe('Operation is not supported.');
      const other = await users({
        method: 'POST',
        path: '/demo',
        token: admin,
        headers: { 'x-http-method-override': 'FOO' },
      });
      expect(other.statusCode).toBe(501);
      expect(other.json().message).toBe('Method FOO not supported');
    });

    it('answers 400 to a read of the collection', async () => {
      const response = await users({ token: admin });
      expect(response.statusCode).toBe(400);
      expect(response.json().message).toBe('The resource collection  cannot be read');
    });
  });
});
