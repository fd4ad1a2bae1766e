import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';

/** The request that started the project: AM's session refresh at resource 4.0. */
describe('POST …/sessions?_action=refresh', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  const refresh = (token?: string, body?: unknown) =>
    sessionAction(t.app, 'refresh', {
      version: 'resource=4.0',
      query: '&_prettyPrint=true',
      ...(token === undefined ? {} : { token }),
      ...(body === undefined ? {} : { body }),
    });

  it('answers a live session with exactly AM refresh body (checklist 55, 56)', async () => {
    const token = await loginDemo(t.app);
    const response = await refresh(token);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body)).toEqual([
      'uid',
      'realm',
      'idletime',
      'maxidletime',
      'maxsessiontime',
      'maxtime',
    ]);
    expect(body).toEqual({
      uid: 'demo',
      realm: '/alpha',
      idletime: 0,
      maxidletime: 30,
      maxsessiontime: 120,
      maxtime: 7200,
    });
  });

  it('answers 401 Access Denied without a token (checklist 1)', async () => {
    const response = await refresh();
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ code: 401, reason: 'Unauthorized', message: 'Access Denied' });
    expect(response.headers['content-type']).toBe('application/json; charset=UTF-8');
  });

  it('answers 401 after logout (checklist 3)', async () => {
    const token = await loginDemo(t.app);
    expect((await sessionAction(t.app, 'logout', { token, version: 'resource=4.0' })).statusCode).toBe(200);
    const response = await refresh(token);
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toBe('Access Denied');
  });

  it('reports idletime 10 after 10 s, and resets only after the 60 s update frequency (checklist 57, 58)', async () => {
    const token = await loginDemo(t.app);
    t.clock.advanceSeconds(10);
    expect((await refresh(token)).json().idletime).toBe(10);
    t.clock.advanceSeconds(51); // 61 s after login: more than the update frequency
    expect((await refresh(token)).json().idletime).toBe(0);
    t.clock.advanceSeconds(10);
    expect((await refresh(token)).json().idletime).toBe(10);
  });

  it('makes a session invalid after 31 idle minutes', async () => {
    const token = await loginDemo(t.app);
    t.clock.advanceMinutes(31);
    expect((await refresh(token)).statusCode).toBe(401);
    const admin = await loginAdmin(t.app);
    expect((await refresh(admin, { tokenId: token })).json()).toEqual({ valid: false });
  });

  it('makes a session invalid 121 minutes after login however active (checklist 130)', async () => {
    const token = await loginDemo(t.app);
    for (let minute = 0; minute < 120; minute += 10) {
      t.clock.advanceMinutes(10);
      const response = await refresh(token);
      if (minute < 110) expect(response.statusCode).toBe(200);
    }
    t.clock.advanceMinutes(1);
    expect((await refresh(token)).statusCode).toBe(401);
  });

  it('lets an admin refresh another user session from the body tokenId (checklist 55)', async () => {
    const token = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    t.clock.advanceSeconds(90);
    const response = await refresh(admin, { tokenId: token });
    expect(response.json()).toMatchObject({ uid: 'demo', realm: '/alpha', idletime: 0 });
  });

  it('answers {"valid":false} for an unknown target token (checklist 59)', async () => {
    const admin = await loginAdmin(t.app);
    const response = await refresh(admin, { tokenId: 'AQIC5wnotatoken' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ valid: false });
  });

  it('forbids a user to refresh another user session', async () => {
    const admin = await loginAdmin(t.app);
    const demo = await loginDemo(t.app);
    const response = await refresh(demo, { tokenId: admin });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ code: 403, reason: 'Forbidden', message: 'Forbidden' });
  });
});
