import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type RunningServer, startServer } from '../../src/server.js';

const dirs: string[] = [];
const servers: RunningServer[] = [];

function configIn(dataDir: string) {
  return loadConfig({
    overrides: {
      dataDir,
      port: 0,
      'admin.password': 'admin-password',
      'authn.argon2MemoryKib': 1024,
      'authn.argon2Iterations': 1,
    },
  });
}

async function start(dataDir: string, announce?: (line: string) => void) {
  const server = await startServer(configIn(dataDir), {
    logger: pino({ level: 'silent' }),
    ...(announce ? { announce } : {}),
  });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'anvil-restart-'));
  dirs.push(dir);
  return dir;
}

async function post(url: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('a restart keeps every session and user', () => {
  it('serves the same sessions and logins after the process closes and opens the store again', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const alpha = first.services.realms.byPath('/alpha');
    if (!alpha) throw new Error('no /alpha');
    await first.services.identities.create(alpha, { username: 'bjensen', password: 'Ch4ng31t!' });
    const auth = `${first.url}/am/json/realms/root/realms/alpha/authenticate`;
    const login = await post(auth, { 'x-openam-username': 'bjensen', 'x-openam-password': 'Ch4ng31t!' });
    expect(login.status).toBe(200);
    const token = login.body.tokenId as string;
    await first.close();

    const second = await start(dir);
    const sessions = `${second.url}/am/json/realms/root/realms/alpha/sessions`;
    const refreshed = await post(`${sessions}?_action=refresh`, {
      'accept-api-version': 'resource=4.0',
      iplanetdirectorypro: token,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ uid: 'bjensen', realm: '/alpha' });
    const again = await post(`${second.url}/am/json/realms/root/realms/alpha/authenticate`, {
      'x-openam-username': 'bjensen',
      'x-openam-password': 'Ch4ng31t!',
    });
    expect(again.status).toBe(200);
  });

  it('creates amAdmin once, on the first start only', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const first = await start(dir, (line) => lines.push(line));
    expect(await first.services.identities.count()).toBe(1);
    await first.close();
    const second = await start(dir, (line) => lines.push(line));
    expect(await second.services.identities.count()).toBe(1);
    // The password was configured, so nothing secret was printed.
    expect(lines).toEqual([]);
  });
});
