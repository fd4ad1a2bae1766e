import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { ManualClock } from '../../src/core/clock.js';
import { mintSessionToken } from '../../src/core/tokens.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { createStores } from '../../src/stores/index.js';
import { testHasher } from '../helpers/app.js';

let server: RunningServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A stream that keeps what is written to it, line by line. */
function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}

describe('logs', () => {
  it('never contain tokens or passwords, even at debug level with tokens in the query', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-logs-'));
    const lines: string[] = [];
    const config = loadConfig({
      overrides: {
        dataDir: dir,
        port: 0,
        'admin.password': 'SecretAdminPassword',
        'authn.argon2MemoryKib': 1024,
        'authn.argon2Iterations': 1,
        'log.level': 'debug',
      },
    });
    server = await startServer(config, { logger: pino({ level: 'debug' }, sink(lines)) });
    const base = `${server.url}/am/json/realms/root`;
    const login = await fetch(`${base}/authenticate`, {
      method: 'POST',
      headers: { 'x-openam-username': 'amAdmin', 'x-openam-password': 'SecretAdminPassword' },
    });
    const { tokenId } = (await login.json()) as { tokenId: string };
    expect(tokenId).toMatch(/^AQIC5w/);
    for (const action of ['refresh', 'getSessionInfo', 'validate', 'logout']) {
      await fetch(`${base}/sessions?_action=${action}&tokenId=${encodeURIComponent(tokenId)}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'accept-api-version': 'resource=4.0',
          iplanetdirectorypro: tokenId,
          cookie: `iPlanetDirectoryPro=${tokenId}`,
        },
        body: JSON.stringify({ tokenId }),
      });
    }
    await fetch(`${base}/authenticate`, {
      method: 'POST',
      headers: { 'x-openam-username': 'amAdmin', 'x-openam-password': 'wrong-SecretAdminPassword' },
    });
    const log = lines.join('');
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(6);
    expect(log).not.toContain(tokenId);
    expect(log).not.toContain(tokenId.slice(6, 22));
    expect(log).not.toContain('SecretAdminPassword');
  });

  it('record an unexpected failure (a 500 in AM’s shape to the client) with its request id, not the token', async () => {
    const lines: string[] = [];
    const stores = createStores({ kind: 'sqlite-memory' });
    stores.sessions.get = async () => {
      throw new Error('the disk is on fire');
    };
    const { app } = await buildApp({
      config: loadConfig({ overrides: {} }),
      clock: new ManualClock(),
      stores,
      hasher: testHasher,
      logger: pino({ level: 'warn' }, sink(lines)),
    });
    try {
      const { token } = mintSessionToken();
      const response = await app.inject({
        method: 'POST',
        url: '/am/json/realms/root/realms/alpha/sessions?_action=validate',
        headers: { 'accept-api-version': 'resource=4.0', iplanetdirectorypro: token },
      });
      expect(response.statusCode).toBe(500);
      expect(JSON.parse(response.body)).toEqual({
        code: 500,
        reason: 'Internal Server Error',
        message: expect.any(String),
      });
      expect(response.body).not.toContain('on fire');
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        msg: 'request failed',
        reqId: expect.any(String),
        err: { message: 'the disk is on fire' },
      });
      expect(lines.join('')).not.toContain(token);
    } finally {
      await app.close();
      await stores.close();
    }
  });
});
