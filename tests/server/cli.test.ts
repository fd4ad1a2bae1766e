import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `anvil` (through tsx, no build needed). With `until`, waits for that text on stdout,
 * then sends SIGTERM and waits for the exit.
 */
function anvil(
  args: string[],
  env: Record<string, string>,
  until?: RegExp,
  onReady?: (out: string) => Promise<void>,
) {
  return new Promise<Run>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until && !signalled && until.test(stdout)) {
        signalled = true;
        (onReady ? onReady(stdout) : Promise.resolve()).then(
          () => child.kill('SIGTERM'),
          (error: unknown) => {
            child.kill('SIGKILL');
            reject(error);
          },
        );
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'anvil-cli-'));
  dirs.push(dir);
  return dir;
}

describe('the anvil command', () => {
  it('stops boot on a bad setting with a message naming it', async () => {
    const run = await anvil(['serve'], { ANVIL_DATA_DIR: tempDir(), ANVIL_COOKIE_SAME_SITE: 'Sometimes' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cookie\.sameSite \(from ANVIL_COOKIE_SAME_SITE\)/);
  });

  it('rejects a non-numeric port', async () => {
    const run = await anvil(['serve', '--port', 'eighty'], { ANVIL_DATA_DIR: tempDir() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/port/);
  });

  it('exits (not hangs) when its port is taken, after opening the store', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const started = Date.now();
      const run = await anvil(['serve', '--port', String(port)], {
        ANVIL_DATA_DIR: tempDir(),
        ANVIL_ADMIN_PASSWORD: 'password',
        ANVIL_AUTHN_ARGON2_MEMORY_KIB: '1024',
      });
      expect(run.stderr).toMatch(/could not start: .*EADDRINUSE/);
      expect(run.code).toBe(1);
      // The spawn helper kills at 15 s; a clean exit comes well before.
      expect(Date.now() - started).toBeLessThan(12_000);
    } finally {
      taken.close();
    }
  });

  it('serves, prints a generated admin password once, answers requests, and shuts down cleanly on SIGTERM', async () => {
    const run = await anvil(
      ['serve', '--port', '0'],
      { ANVIL_DATA_DIR: tempDir(), ANVIL_ADMIN_PASSWORD: '', ANVIL_AUTHN_ARGON2_MEMORY_KIB: '1024' },
      /Anvil is serving/,
      async (out) => {
        const address = /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1];
        const password = /generated password: (\S+)/.exec(out)?.[1];
        if (!address || !password) throw new Error(`unexpected output: ${out}`);
        const response = await fetch(`${address}/am/json/realms/root/authenticate`, {
          method: 'POST',
          headers: { 'x-openam-username': 'amAdmin', 'x-openam-password': password },
        });
        expect(response.status).toBe(200);
        expect((await fetch(`${address}/am/isAlive.jsp`)).status).toBe(200);
      },
    );
    expect(run.stdout.match(/generated password/g)).toHaveLength(1);
    expect(run.stdout).toMatch(/shutting down/);
    expect(run.code).toBe(0);
  });
});
