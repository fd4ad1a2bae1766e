import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { type RunningServer, startServer } from '../../src/server.js';

let server: RunningServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('logs', () => {
  it('never contain tokens or passwords, even at debug level with tokens in the query', async () => {
    dir = mkdtempSync(join(tmpdir(), 'anvil-logs-'));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
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
    server = await startServer(config, { logger: pino({ level: 'debug' }, sink) });
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
});
