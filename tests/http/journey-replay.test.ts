import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, type TestApp } from '../helpers/app.js';

const URL = '/am/json/realms/root/realms/alpha/authenticate';
const HEADERS = { 'content-type': 'application/json', 'accept-api-version': 'resource=2.1, protocol=1.0' };

describe('an authId continues a journey once (spec §5.4)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp();
  });
  afterEach(() => t.close());

  async function start() {
    const response = await t.app.inject({ method: 'POST', url: URL, headers: HEADERS });
    return response.json() as {
      authId: string;
      callbacks: { type: string; input: { name: string; value: string }[] }[];
    };
  }

  function answer(step: Awaited<ReturnType<typeof start>>, username: string, password: string) {
    const [name, pass] = step.callbacks;
    if (!name?.input[0] || !pass?.input[0]) throw new Error('unexpected step');
    name.input[0].value = username;
    pass.input[0].value = password;
    return t.app.inject({ method: 'POST', url: URL, headers: HEADERS, payload: JSON.stringify(step) });
  }

  it('111: re-posting an already used authId answers 408 Session has timed out', async () => {
    const step = await start();
    expect((await answer(step, 'demo', DEMO_PASSWORD)).statusCode).toBe(200);
    const replay = await answer(step, 'demo', DEMO_PASSWORD);
    expect(replay.statusCode).toBe(408);
    expect(replay.json()).toEqual({
      code: 408,
      reason: 'Request Time-out',
      message: 'Session has timed out',
    });
  });

  it('a failed login spends the authId too: a password guess cannot be retried on it', async () => {
    const step = await start();
    expect((await answer(step, 'demo', 'wrong')).statusCode).toBe(401);
    expect((await answer(step, 'demo', DEMO_PASSWORD)).statusCode).toBe(408);
  });

  it('a malformed submission (400) does not spend it: the client can correct the request', async () => {
    const step = await start();
    const broken = await t.app.inject({
      method: 'POST',
      url: URL,
      headers: HEADERS,
      payload: JSON.stringify({ authId: step.authId, callbacks: step.callbacks.slice(0, 1) }),
    });
    expect(broken.statusCode).toBe(400);
    expect((await answer(step, 'demo', DEMO_PASSWORD)).statusCode).toBe(200);
  });

  it('an authId older than the journey maximum (5 minutes) answers 408', async () => {
    const step = await start();
    t.clock.advanceSeconds(5 * 60 + 1);
    expect((await answer(step, 'demo', DEMO_PASSWORD)).statusCode).toBe(408);
  });

  it('spent ids are forgotten once they expire', async () => {
    const step = await start();
    await answer(step, 'demo', DEMO_PASSWORD);
    expect(await t.services.authn.sweep(t.clock.now())).toBe(0);
    t.clock.advanceSeconds(5 * 60 + 1);
    expect(await t.services.authn.sweep(t.clock.now())).toBe(1);
  });
});
