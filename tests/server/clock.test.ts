import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type RunningServer, startServer } from '../../src/server.js';

let server: RunningServer | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(settings: Record<string, unknown>, lines: string[] = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'anvil-clock-'));
  dirs.push(dataDir);
  const config = loadConfig({
    overrides: {
      dataDir,
      port: 0,
      'admin.password': 'admin-password',
      'authn.argon2MemoryKib': 1024,
      'authn.argon2Iterations': 1,
      ...settings,
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  server = await startServer(config, { logger: pino({ level: 'info' }, sink) });
  return server;
}

async function call(url: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-api-version': 'resource=4.0', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

async function adminToken(s: RunningServer) {
  const login = await call(`${s.url}/am/json/realms/root/authenticate`, {
    'x-openam-username': 'amAdmin',
    'x-openam-password': 'admin-password',
    'accept-api-version': 'resource=2.1',
  });
  return login.body?.tokenId as string;
}

describe('the time-travel control (Anvil extension)', () => {
  it('moves a running server across the 30-minute idle timeout in one request', async () => {
    const s = await start({ 'timeTravel.enabled': true });
    const admin = await adminToken(s);
    const user = await adminToken(s);
    const sessions = `${s.url}/am/json/realms/root/sessions`;
    expect((await call(`${sessions}?_action=validate`, {}, { tokenId: user })).body).toMatchObject({
      valid: true,
    });

    const moved = await call(
      `${s.url}/am/json/realms/root/anvil/clock?_action=advance`,
      { iplanetdirectorypro: admin },
      { seconds: 31 * 60 },
    );
    expect(moved.status).toBe(200);
    expect(typeof moved.body?.now).toBe('string');

    expect((await call(`${sessions}?_action=validate`, {}, { tokenId: user })).body).toEqual({
      valid: false,
    });
  });

  it('is admin only, validates its input, and does not exist when off', async () => {
    const s = await start({ 'timeTravel.enabled': true });
    const admin = await adminToken(s);
    const clock = `${s.url}/am/json/realms/root/anvil/clock?_action=advance`;
    expect((await call(clock, {}, { seconds: 60 })).status).toBe(401);
    expect((await call(clock, { iplanetdirectorypro: admin }, { seconds: -5 })).status).toBe(400);
    expect((await call(clock, { iplanetdirectorypro: admin }, { seconds: 'soon' })).status).toBe(400);
    await s.close();

    const off = await start({});
    const offAdmin = await adminToken(off);
    const answer = await call(
      `${off.url}/am/json/realms/root/anvil/clock?_action=advance`,
      { iplanetdirectorypro: offAdmin },
      { seconds: 60 },
    );
    expect(answer.status).toBe(404);
  });

  it('is refused with a loud warning in production mode', async () => {
    const lines: string[] = [];
    const s = await start({ 'timeTravel.enabled': true, mode: 'production' }, lines);
    expect(lines.join('')).toContain('REFUSED: timeTravel.enabled is set in production mode');
    const admin = await adminToken(s);
    const answer = await call(
      `${s.url}/am/json/realms/root/anvil/clock?_action=advance`,
      { iplanetdirectorypro: admin },
      { seconds: 60 },
    );
    expect(answer.status).toBe(404);
  });
});
