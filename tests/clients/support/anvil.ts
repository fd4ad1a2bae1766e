import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerRecord, type Transcript } from './transcript.js';

/**
 * A real `anvil serve` for the client suites: spawned through tsx (as tests/server/cli.test.ts
 * does) on 127.0.0.1 port 0, with a fresh data directory, a known amAdmin password and cheap
 * argon2 settings; its address is read from the "Anvil is serving" log line. The parent's ANVIL_*
 * variables are not inherited, so a developer's shell cannot change what the clients see.
 */

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const ADMIN_PASSWORD = 'clients-admin-password';
export const REALM_PATH = '/json/realms/root/realms/alpha';

const READY_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface Anvil {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/am` */
  amUrl: string;
  /** The session cookie name it was started with. */
  cookieName: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, wait for the exit, remove the data directory. */
  stop(): Promise<void>;
}

export async function startAnvil(settings: Record<string, string> = {}): Promise<Anvil> {
  const dataDir = mkdtempSync(join(tmpdir(), 'anvil-clients-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('ANVIL_') && key !== 'PORT') env[key] = value;
  }
  Object.assign(
    env,
    {
      ANVIL_HOST: '127.0.0.1',
      ANVIL_DATA_DIR: dataDir,
      ANVIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ANVIL_AUTHN_ARGON2_MEMORY_KIB: '1024',
      ANVIL_AUTHN_ARGON2_ITERATIONS: '1',
      ANVIL_LOG_LEVEL: 'info',
    },
    settings,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve', '--port', '0'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  };
  let url: string;
  try {
    url = await serving(child, () => out);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    url,
    amUrl: `${url}/am`,
    cookieName: settings.ANVIL_COOKIE_NAME ?? 'iPlanetDirectoryPro',
    output: () => out,
    stop: cleanup,
  };
}

function serving(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(
      () => reject(new Error(`anvil did not log "Anvil is serving" in time\n${output()}`)),
      READY_TIMEOUT_MS,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited (${code}) before serving\n${output()}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: unknown; address?: unknown };
          if (entry.msg === 'Anvil is serving' && typeof entry.address === 'string') {
            clearTimeout(timer);
            resolve(entry.address);
          }
        } catch {
          // not a log line
        }
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP set-up and checks (not the clients under test): each exchange goes to the transcript
// ---------------------------------------------------------------------------------------------

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown> | undefined;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown },
  transcript?: Transcript,
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let payload: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const method = init.method ?? 'POST';
  const response = await fetch(url, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  transcript?.record({
    label: 'check (plain fetch)',
    request: { method, url, headers, ...(payload === undefined ? {} : { body: payload }) },
    response: { status: response.status, headers: headerRecord(response.headers), body: text },
  });
  return { status: response.status, headers: response.headers, text, body };
}

/** Zero-page login as amAdmin in the root realm: the token. */
export async function adminToken(anvil: Anvil, transcript?: Transcript): Promise<string> {
  const answer = await call(
    `${anvil.amUrl}/json/realms/root/authenticate`,
    {
      headers: {
        'x-openam-username': 'amAdmin',
        'x-openam-password': ADMIN_PASSWORD,
        'accept-api-version': 'resource=2.1, protocol=1.0',
      },
    },
    transcript,
  );
  if (answer.status !== 200 || typeof answer.body?.tokenId !== 'string')
    throw new Error(`amAdmin login failed: ${answer.status} ${answer.text}`);
  return answer.body.tokenId;
}

/** Creates a user in /alpha through AM's users resource, as amAdmin. */
export async function createUser(
  anvil: Anvil,
  username: string,
  password: string,
  transcript?: Transcript,
): Promise<void> {
  const admin = await adminToken(anvil, transcript);
  const answer = await call(
    `${anvil.amUrl}${REALM_PATH}/users/?_action=create`,
    {
      headers: { [anvil.cookieName]: admin, 'accept-api-version': 'resource=4.0, protocol=2.1' },
      body: { username, userpassword: password, mail: `${username}@example.com` },
    },
    transcript,
  );
  if (answer.status !== 201) throw new Error(`creating ${username} failed: ${answer.status} ${answer.text}`);
}

/** `validate` of a token in /alpha (no caller needed): the body. */
export async function validate(
  anvil: Anvil,
  tokenId: string,
  transcript?: Transcript,
): Promise<Record<string, unknown>> {
  const answer = await call(
    `${anvil.amUrl}${REALM_PATH}/sessions?_action=validate`,
    { headers: { 'accept-api-version': 'resource=4.0, protocol=1.0' }, body: { tokenId } },
    transcript,
  );
  if (answer.status !== 200 || !answer.body) throw new Error(`validate: ${answer.status} ${answer.text}`);
  return answer.body;
}
