import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, loginAdmin, loginDemo, sessionAction, type TestApp } from '../helpers/app.js';
import { ACCESS_DENIED, json, V2, V4 } from './conformance-support.js';

/** Spec §11, "Session model" (checklist 130–132). */
describe('session model', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const validate = (app: TestApp, tokenId: string) =>
    sessionAction(app.app, 'validate', { version: V4, body: { tokenId } });

  it('130: max idle 1 min → invalid after 70 s untouched; max session 1 min → invalid after 70 s even if refreshed', async () => {
    t = await buildTestApp({ config: { session: { maxIdleMinutes: 1 } } });
    const idle = await loginDemo(t.app);
    t.clock.advanceSeconds(50);
    expect(
      json(
        await sessionAction(t.app, 'validate', {
          version: V4,
          body: { tokenId: idle },
          query: '&refresh=false',
        }),
      ).valid,
    ).toBe(true);
    t.clock.advanceSeconds(20);
    expect(json(await validate(t, idle))).toEqual({ valid: false });
    expect((await sessionAction(t.app, 'getSessionInfo', { token: idle, version: V4 })).statusCode).toBe(401);
    await t.close();

    t = await buildTestApp({ config: { session: { maxSessionMinutes: 1 } } });
    const short = await loginDemo(t.app);
    for (let s = 0; s < 60; s += 20) {
      t.clock.advanceSeconds(20);
      const refresh = await sessionAction(t.app, 'refresh', { token: short, version: V4 });
      if (s + 20 < 60) expect(refresh.statusCode, `${s + 20} s`).toBe(200);
    }
    t.clock.advanceSeconds(10);
    expect(json(await validate(t, short))).toEqual({ valid: false });
    const refresh = await sessionAction(t.app, 'refresh', { token: short, version: V4 });
    expect(refresh.statusCode).toBe(401);
  });

  it('131: a session handle is never accepted as a credential', async () => {
    t = await buildTestApp();
    const demo = await loginDemo(t.app);
    const admin = await loginAdmin(t.app);
    const handle = json(await sessionAction(t.app, 'getSessionInfo', { token: demo, version: V2 }))
      .sessionHandle as string;
    expect(handle).toMatch(/^shandle:/);
    const asCaller = await sessionAction(t.app, 'getSessionInfo', { token: handle, version: V4 });
    expect(asCaller.statusCode).toBe(401);
    expect(json(asCaller)).toEqual(ACCESS_DENIED);
    const asCookie = await sessionAction(t.app, 'refresh', {
      version: V4,
      headers: { cookie: `iPlanetDirectoryPro=${handle}` },
    });
    expect(asCookie.statusCode).toBe(401);
    expect(json(await validate(t, handle))).toEqual({ valid: false });
    expect(
      json(
        await sessionAction(t.app, 'getSessionInfo', {
          token: admin,
          version: V4,
          body: { tokenId: handle },
        }),
      ),
    ).toEqual({
      valid: false,
    });
    // Nor does the handle's bare value work (without its prefix).
    expect(json(await validate(t, handle.slice('shandle:'.length)))).toEqual({ valid: false });
  });

  it('132: minted tokens use the c66 alphabet, carry the .*…* extension section and start with AQIC', async () => {
    t = await buildTestApp();
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i += 1) tokens.add(await loginDemo(t.app));
    tokens.add(await loginAdmin(t.app));
    expect(tokens.size).toBe(6);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9._*-]+$/);
      expect(token).toMatch(/\.\*[A-Za-z0-9_.-]+\*$/);
      expect(token.startsWith('AQIC')).toBe(true);
    }
  });
});
