/**
 * A store prepared for a scenario: its own data (directory, key prefix or schema), the user
 * `bench`, and live sessions that are copies of one real login's session with fresh tokens.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import { profile, type StoreKind } from './args.js';
import { ADMIN_PASSWORD, ALPHA, ARGON2, DIST, USER_PASSWORD, USERNAME } from './constants.js';
import { cleanEnv, type ServerSetup, startAnvil } from './processes.js';
import { storeEnvironment } from './stores.js';

export type ConfigModule = typeof import('../../src/config/load.js');
export type StoresModule = typeof import('../../src/stores/index.js');
export type TokensModule = typeof import('../../src/core/tokens.js');
export type RowsModule = typeof import('../../src/stores/rows.js');
export type SqliteDatabaseModule = typeof import('../../src/stores/sqlite/database.js');
export type SqliteSessionModule = typeof import('../../src/stores/sqlite/session-store.js');
export type SqliteDatabase = import('../../src/stores/sqlite/database.js').SqliteDatabase;

export interface Fixture extends ServerSetup {
  store: StoreKind;
  /** Tokens of live sessions for the session actions. */
  live: string[];
  /** Tokens consumed by the logout scenario (each logged out once). */
  logoutPool: string[];
  setup: { insertSeconds: number; inserted: number };
  cleanup(): Promise<void>;
}

/** Fixtures whose data still exists: an interrupted run removes them. */
export const openFixtures = new Set<Fixture>();

export async function importDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(DIST, path)).href)) as T;
}

export async function httpJson(
  port: number,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A fixture with no sessions yet: a fresh directory (and key prefix or schema) of its own. */
export function emptyFixture(store: StoreKind, label: string = store): Fixture {
  const workDir = mkdtempSync(join(tmpdir(), `anvil-bench-${label}-`));
  const own = storeEnvironment(store, randomBytes(6).toString('hex'));
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    ANVIL_HOST: '127.0.0.1',
    ANVIL_DATA_DIR: join(workDir, 'data'),
    ANVIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ANVIL_LOG_LEVEL: 'warn',
    ANVIL_AUTHN_ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
    ANVIL_AUTHN_ARGON2_ITERATIONS: String(ARGON2.iterations),
    ANVIL_SESSION_QUOTA_ENABLED: 'false',
    ...own.env,
  };
  const fixture: Fixture = {
    store,
    env,
    workDir,
    storeComms: own.storeComms,
    live: [],
    logoutPool: [],
    setup: { insertSeconds: 0, inserted: 0 },
    cleanup: async () => {
      openFixtures.delete(fixture);
      await own.drop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  openFixtures.add(fixture);
  return fixture;
}

/**
 * A real server creates the schema, amAdmin, the user, and one session by a real login; its token
 * is returned (the server is stopped again).
 */
export async function templateSession(fixture: Fixture): Promise<string> {
  const setup = await startAnvil(fixture, 'setup');
  try {
    const admin = await httpJson(setup.port, '/am/json/realms/root/authenticate', {
      'x-openam-username': 'amAdmin',
      'x-openam-password': ADMIN_PASSWORD,
      'accept-api-version': 'resource=2.0, protocol=1.0',
    });
    const adminToken = admin.json.tokenId;
    if (typeof adminToken !== 'string') throw new Error(`admin login failed: ${JSON.stringify(admin)}`);
    const created = await httpJson(
      setup.port,
      `${ALPHA}/users/?_action=create`,
      { iplanetdirectorypro: adminToken, 'accept-api-version': 'resource=4.0, protocol=2.1' },
      { username: USERNAME, userpassword: USER_PASSWORD },
    );
    if (created.status !== 201) throw new Error(`user creation failed: ${JSON.stringify(created)}`);
    const login = await httpJson(setup.port, `${ALPHA}/authenticate`, {
      'x-openam-username': USERNAME,
      'x-openam-password': USER_PASSWORD,
      'accept-api-version': 'resource=2.1',
    });
    if (typeof login.json.tokenId !== 'string') throw new Error(`login failed: ${JSON.stringify(login)}`);
    return login.json.tokenId;
  } finally {
    await setup.stop();
  }
}

/**
 * Copies of `original` with fresh tokens minted by Anvil's own code. Last accesses are spread over
 * the past minute (the default idle-write window), so that the touching actions write each
 * session's latestAccessTime about once a minute, as a steady stream of users would; created 5 to
 * 15 minutes ago, far from every timeout. `fixedNow`: the instant they are relative to (default: the
 * instant of each copy).
 */
export function sessionCopier(
  original: StoredSession,
  tokens: TokensModule,
  fixedNow?: number,
): () => { token: string; session: StoredSession } {
  return () => {
    const now = fixedNow ?? Date.now();
    const minted = tokens.mintSessionToken();
    const creationTime = now - 300_000 - Math.floor(Math.random() * 600_000);
    const latestAccessTime = now - Math.floor(Math.random() * 60_000);
    const session: StoredSession = {
      ...original,
      id: minted.id,
      secretHash: minted.secretHash,
      sessionHandle: tokens.mintSessionHandle(),
      creationTime,
      latestAccessTime,
      expiresAt: Math.min(
        latestAccessTime + original.maxIdleMinutes * 60_000,
        creationTime + original.maxSessionMinutes * 60_000,
      ),
      properties: {
        ...original.properties,
        AMCtxId: tokens.nextAuditId(),
        authInstant: new Date(creationTime).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
    return { token: minted.token, session };
  };
}

export async function prepareStore(store: StoreKind, logoutCount: number): Promise<Fixture> {
  const fixture = emptyFixture(store);
  try {
    // 1. A real server creates the schema, amAdmin, the user, and one session by a real login.
    const template = await templateSession(fixture);

    // 2. Copies of that session with fresh tokens, written through the store interface Anvil uses
    //    (SessionStore.insert). On SQLite the inserts are grouped in transactions of 1,000 rows.
    const { loadConfig } = await importDist<ConfigModule>('config/load.js');
    const { openStores } = await importDist<StoresModule>('stores/index.js');
    const tokens = await importDist<TokensModule>('core/tokens.js');
    const config = loadConfig({ env: fixture.env });
    const stores = await openStores(config, () => {});
    let sqlite: SqliteDatabase | undefined;
    const started = performance.now();
    try {
      let sessions = stores.sessions;
      if (store === 'sqlite') {
        const { openSqlite } = await importDist<SqliteDatabaseModule>('stores/sqlite/database.js');
        const { SqliteSessionStore } = await importDist<SqliteSessionModule>(
          'stores/sqlite/session-store.js',
        );
        sqlite = openSqlite({ dataDir: config.dataDir });
        sessions = new SqliteSessionStore(sqlite);
      }
      const parsed = tokens.parseSessionToken(template);
      const original = parsed && (await sessions.get(parsed.id));
      if (!original) throw new Error('the template session is not in the store');
      const total = profile.sessions + logoutCount;
      const all: string[] = [];
      const next = sessionCopier(original, tokens, Date.now());
      const copy = (): StoredSession => {
        const { token, session } = next();
        all.push(token);
        return session;
      };
      const chunk = sqlite ? 1000 : 64;
      for (let done = 0; done < total; done += chunk) {
        const batch = Array.from({ length: Math.min(chunk, total - done) }, copy);
        sqlite?.exec('BEGIN');
        try {
          await Promise.all(batch.map((session) => sessions.insert(session)));
          sqlite?.exec('COMMIT');
        } catch (error) {
          if (sqlite?.inTransaction) sqlite.exec('ROLLBACK');
          throw error;
        }
      }
      fixture.live = all.slice(0, profile.sessions);
      fixture.logoutPool = all.slice(profile.sessions);
      fixture.setup = { insertSeconds: (performance.now() - started) / 1000, inserted: total };
    } finally {
      sqlite?.close();
      await stores.close();
    }
    return fixture;
  } catch (error) {
    await fixture.cleanup().catch(() => {});
    throw error;
  }
}
