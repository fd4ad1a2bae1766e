import { afterAll, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { ADMIN_PASSWORD, type Anvil, createUser, REALM_PATH, startAnvil } from './support/anvil.js';
import { type CurlAnswer, curl } from './support/curl.js';
import { clientsSuite, SKIPPED_NOTE } from './support/suite.js';
import { Transcript } from './support/transcript.js';

/**
 * The AM documentation's curl recipes for authentication and sessions (shared/spec/am-api.md §4
 * and §5), run with the real curl binary against a real Anvil: each with the status and the body
 * shape the documentation shows. The headers are the documentation's, cookie-named token header
 * and `Accept-API-Version: resource=…, protocol=1.0` included.
 */

const USER = 'bjensen';
const PASSWORD = 'Ch4ng31t!';
const COOKIE = 'iPlanetDirectoryPro';
/** `yyyy-MM-ddTHH:mm:ssZ`, no milliseconds (§4.5). */
const SECONDS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Query results' latestAccessTime has milliseconds (§4.9). */
const MILLIS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.skipIf(!clientsSuite)(`AM documentation curl recipes ${SKIPPED_NOTE}`, () => {
  let anvil: Anvil;
  let admin: string;
  const transcript = new Transcript();
  const alpha = () => `${anvil.amUrl}${REALM_PATH}`;

  /** Zero-page login (§5.2), as the docs write it: no body, credentials in headers. */
  const zeroPage = (username: string, password: string, realmPath = REALM_PATH) =>
    curl(
      {
        method: 'POST',
        url: `${anvil.amUrl}${realmPath}/authenticate`,
        headers: {
          'Content-Type': 'application/json',
          'X-OpenAM-Username': username,
          'X-OpenAM-Password': password,
          'Accept-API-Version': 'resource=2.0, protocol=1.0',
        },
      },
      transcript,
    );

  const login = async (username = USER, password = PASSWORD) => {
    const answer = await zeroPage(username, password);
    expectStatus(answer, 200);
    return answer.body.tokenId as string;
  };

  /** A /sessions action with the docs' headers: the caller's token in the cookie-named header. */
  const sessions = (action: string, caller: string, data?: unknown, version = 'resource=4.0, protocol=1.0') =>
    curl(
      {
        method: 'POST',
        url: `${alpha()}/sessions/?_action=${action}`,
        headers: {
          'Content-Type': 'application/json',
          [COOKIE]: caller,
          'Accept-API-Version': version,
        },
        ...(data === undefined ? {} : { data: JSON.stringify(data) }),
      },
      transcript,
    );

  const validate = async (tokenId: string) => {
    const answer = await sessions('validate', admin, { tokenId }, 'resource=2.1, protocol=1.0');
    expectStatus(answer, 200);
    return answer.body;
  };

  beforeAll(async () => {
    anvil = await startAnvil();
    await createUser(anvil, USER, PASSWORD);
  });
  afterAll(async () => {
    await anvil?.stop();
  });
  beforeEach(async (context: TestContext) => {
    transcript.clear();
    context.onTestFailed(() => {
      console.error(transcript.format('curl runs of the failed test'));
    });
    const answer = await zeroPage('amAdmin', ADMIN_PASSWORD, '/json/realms/root');
    expectStatus(answer, 200);
    admin = answer.body.tokenId as string;
    transcript.clear();
  });

  it('zero-page login (§5.2, §5.5): 200 {tokenId, successUrl, realm} and the session cookie', async () => {
    const answer = await zeroPage(USER, PASSWORD);
    expectStatus(answer, 200);
    expect(Object.keys(answer.body)).toEqual(['tokenId', 'successUrl', 'realm']);
    expect(answer.body).toMatchObject({ successUrl: '/am/console', realm: '/alpha' });
    const token = answer.body.tokenId as string;
    expect(token).toMatch(/^AQIC5w/);
    expect(answer.headers['set-cookie']).toContain(`${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`);
    expect(answer.headers['content-type']).toEqual(['application/json; charset=UTF-8']);
    expect(answer.headers['content-api-version']?.[0]).toMatch(/resource=2\.1/);
    expect(answer.headers['cache-control']).toEqual(['no-cache, no-store, must-revalidate']);
  });

  it('zero-page login with a wrong password (§5.6): 401 {code, reason, message}', async () => {
    const answer = await zeroPage(USER, 'wrong-password');
    expectStatus(answer, 401);
    expect(answer.body).toEqual({ code: 401, reason: 'Unauthorized', message: 'Login failure' });
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('callback login (§5.3, §5.5): start gives authId and callbacks; posting them back filled gives a token', async () => {
    const url = `${alpha()}/authenticate?authIndexType=service&authIndexValue=Login`;
    const headers = {
      'Content-Type': 'application/json',
      'Accept-API-Version': 'resource=2.0, protocol=1.0',
    };
    const start = await curl({ method: 'POST', url, headers }, transcript);
    expectStatus(start, 200);
    expect(start.body.authId).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(start.body.callbacks).toEqual([
      {
        type: 'NameCallback',
        output: [{ name: 'prompt', value: expect.any(String) }],
        input: [{ name: 'IDToken1', value: '' }],
        _id: 0,
      },
      {
        type: 'PasswordCallback',
        output: [{ name: 'prompt', value: expect.any(String) }],
        input: [{ name: 'IDToken2', value: '' }],
        _id: 1,
      },
    ]);
    const callbacks = start.body.callbacks as Array<{ input: Array<{ value: string }> }>;
    (callbacks[0]?.input[0] as { value: string }).value = USER;
    (callbacks[1]?.input[0] as { value: string }).value = PASSWORD;
    const done = await curl({ method: 'POST', url, headers, data: JSON.stringify(start.body) }, transcript);
    expectStatus(done, 200);
    expect(Object.keys(done.body)).toEqual(['tokenId', 'successUrl', 'realm']);
    expect(await validate(done.body.tokenId as string)).toMatchObject({ valid: true, uid: USER });
  });

  it('validate with the token in the body (§4.4): {valid, sessionUid, uid, realm} in that order', async () => {
    const token = await login();
    const body = await validate(token);
    expect(Object.keys(body)).toEqual(['valid', 'sessionUid', 'uid', 'realm']);
    expect(body).toMatchObject({ valid: true, uid: USER, realm: '/alpha' });
    expect(body.sessionUid).toEqual(expect.any(String));
    expect(await validate('AQIC5wM2LY4SfcxNotAToken.*AAJTSQACMDE.*')).toEqual({ valid: false });
  });

  it('getSessionInfo at resource 4.0 (§4.5): the documented fields, times in seconds, properties', async () => {
    const token = await login();
    const answer = await sessions('getSessionInfo', admin, { tokenId: token });
    expectStatus(answer, 200);
    expect(Object.keys(answer.body)).toEqual([
      'username',
      'universalId',
      'realm',
      'latestAccessTime',
      'maxIdleExpirationTime',
      'maxSessionExpirationTime',
      'properties',
    ]);
    expect(answer.body).toMatchObject({
      username: USER,
      universalId: `id=${USER},ou=user,o=alpha,ou=services,ou=am-config`,
      realm: '/alpha',
      properties: { AMCtxId: expect.any(String) },
    });
    for (const field of ['latestAccessTime', 'maxIdleExpirationTime', 'maxSessionExpirationTime'])
      expect(answer.body[field], field).toMatch(SECONDS_TIME);
    const idleMinutes =
      (Date.parse(answer.body.maxIdleExpirationTime as string) -
        Date.parse(answer.body.latestAccessTime as string)) /
      60_000;
    expect(idleMinutes).toBe(30);
  });

  it('refresh (§4.6): {uid, realm, idletime, maxidletime, maxsessiontime, maxtime}', async () => {
    const token = await login();
    const answer = await sessions('refresh', admin, { tokenId: token });
    expectStatus(answer, 200);
    expect(Object.keys(answer.body)).toEqual([
      'uid',
      'realm',
      'idletime',
      'maxidletime',
      'maxsessiontime',
      'maxtime',
    ]);
    expect(answer.body).toMatchObject({ uid: USER, realm: '/alpha', maxidletime: 30, maxsessiontime: 120 });
    expect(answer.body.idletime).toBeGreaterThanOrEqual(0);
    expect(answer.body.idletime).toBeLessThan(60);
    expect(answer.body.maxtime).toBeGreaterThan(7_100);
    expect(answer.body.maxtime).toBeLessThanOrEqual(7_200);
  });

  it('session query as admin (§4.9): GET with _queryFilter, the CREST envelope, items as documented', async () => {
    await login();
    const filter = encodeURIComponent(`username eq "${USER}" and realm eq "/alpha"`);
    const answer = await curl(
      {
        method: 'GET',
        url: `${alpha()}/sessions?_queryFilter=${filter}`,
        headers: { [COOKIE]: admin, 'Accept-API-Version': 'resource=4.0, protocol=1.0' },
      },
      transcript,
    );
    expectStatus(answer, 200);
    const result = answer.body.result as Array<Record<string, unknown>>;
    expect(result.length).toBeGreaterThanOrEqual(1);
    expect(answer.body.resultCount).toBe(result.length);
    for (const item of result) {
      expect(Object.keys(item)).toEqual([
        'username',
        'universalId',
        'realm',
        'sessionHandle',
        'latestAccessTime',
        'maxIdleExpirationTime',
        'maxSessionExpirationTime',
      ]);
      expect(item).toMatchObject({ username: USER, realm: '/alpha' });
      expect(item.sessionHandle).toMatch(/^shandle:/);
      expect(item.latestAccessTime).toMatch(MILLIS_TIME);
      expect(item.maxIdleExpirationTime).toMatch(SECONDS_TIME);
    }
    const user = await login();
    const forbidden = await curl(
      {
        method: 'GET',
        url: `${alpha()}/sessions?_queryFilter=${filter}`,
        headers: { [COOKIE]: user, 'Accept-API-Version': 'resource=4.0, protocol=1.0' },
      },
      transcript,
    );
    expectStatus(forbidden, 403);
  });

  it('logout (§4.7): {"result":"Successfully logged out"}; the token is then invalid and refused', async () => {
    const token = await login();
    const answer = await sessions('logout', token);
    expectStatus(answer, 200);
    expect(answer.body).toEqual({ result: 'Successfully logged out' });
    expect(await validate(token)).toEqual({ valid: false });
    const again = await sessions('logout', token);
    expectStatus(again, 401);
    expect(again.body).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it('logoutByUser at resource 5.1 (§4.11): {"result":true} and every session of the user ends', async () => {
    const first = await login();
    const second = await login();
    const answer = await sessions('logoutByUser', admin, { username: USER }, 'resource=5.1, protocol=1.0');
    expectStatus(answer, 200);
    expect(answer.body).toEqual({ result: true });
    expect(await validate(first)).toEqual({ valid: false });
    expect(await validate(second)).toEqual({ valid: false });
    // Not at 4.0: the action came with 5.1.
    expectStatus(
      await sessions('logoutByUser', admin, { username: USER }, 'resource=4.0, protocol=1.0'),
      501,
    );
  });
});

function expectStatus(answer: CurlAnswer, status: number): void {
  if (answer.status !== status)
    throw new Error(`expected HTTP ${status}, got ${answer.status} from\n${answer.command}\n${answer.text}`);
}
