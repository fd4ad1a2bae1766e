import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type QuotaAction, type QuotaInsert, SWEEP_LAG_MS } from '../../src/domain/sessions/store.js';
import { createStores, type StoreLocation, type Stores } from '../../src/stores/index.js';
import { sessionToRow } from '../../src/stores/rows.js';
import { migrations as sqliteMigrations } from '../../src/stores/sqlite/database.js';
import { describeIdentityStore, storedIdentity } from './identity-store.contract.js';
import { describeLockoutStore } from './lockout-store.contract.js';
import { describeMetaStore } from './meta-store.contract.js';
import { describeSessionStore, storedSession } from './session-store.contract.js';
import { describeUsedJourneyStore } from './used-journey-store.contract.js';

interface Backend {
  name: string;
  /** Opens a fresh, empty set of stores. */
  open(): { stores: Stores; cleanup(): void };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'anvil-contract-'));
}

const backends: Backend[] = [
  { name: 'memory', open: () => ({ stores: createStores({ kind: 'memory' }), cleanup: () => {} }) },
  {
    name: 'sqlite (in memory)',
    open: () => ({ stores: createStores({ kind: 'sqlite-memory' }), cleanup: () => {} }),
  },
  {
    name: 'sqlite (data directory)',
    open: () => {
      const dataDir = tempDir();
      return {
        stores: createStores({ kind: 'sqlite', dataDir }),
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'sqlite (data directory, session cache off)',
    open: () => {
      const dataDir = tempDir();
      return {
        stores: createStores({ kind: 'sqlite', dataDir, sessionCacheEntries: 0 }),
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  },
];

function opener<K extends 'sessions' | 'identities' | 'meta' | 'usedJourneys' | 'lockouts'>(
  backend: Backend,
  key: K,
) {
  return async () => {
    const { stores, cleanup } = backend.open();
    return {
      store: stores[key],
      close: async () => {
        await stores.close();
        cleanup();
      },
    };
  };
}

for (const backend of backends) {
  describeSessionStore(backend.name, opener(backend, 'sessions'));
  describeIdentityStore(backend.name, opener(backend, 'identities'));
  describeMetaStore(backend.name, opener(backend, 'meta'));
  describeUsedJourneyStore(backend.name, opener(backend, 'usedJourneys'));
  describeLockoutStore(backend.name, opener(backend, 'lockouts'));
}

describe('SQLite on a data directory: data survives closing and reopening', () => {
  let dataDir: string;
  let location: StoreLocation;
  let open: Stores[];

  const reopen = (): Stores => {
    const stores = createStores(location);
    open.push(stores);
    return stores;
  };

  beforeEach(() => {
    dataDir = join(tempDir(), 'nested', 'data');
    location = { kind: 'sqlite', dataDir };
    open = [];
  });
  afterEach(async () => {
    for (const stores of open) await stores.close().catch(() => {});
    rmSync(join(dataDir, '..', '..'), { recursive: true, force: true });
  });

  it('keeps sessions, touches and deletes', async () => {
    const kept = storedSession();
    const touched = storedSession();
    const deleted = storedSession();
    const first = reopen();
    for (const s of [kept, touched, deleted]) await first.sessions.insert(s);
    // Far enough for another expiry bucket than `kept`'s (a store may sweep by bucket).
    await first.sessions.touch(touched.id, touched.latestAccessTime + 900_000, touched.expiresAt + 900_000);
    await first.sessions.delete(deleted.id);
    await first.close();

    const second = reopen();
    expect(await second.sessions.get(kept.id)).toEqual(kept);
    expect(await second.sessions.get(touched.id)).toEqual({
      ...touched,
      latestAccessTime: touched.latestAccessTime + 900_000,
      expiresAt: touched.expiresAt + 900_000,
    });
    expect(await second.sessions.get(deleted.id)).toBeUndefined();
    expect(await second.sessions.deleteExpired(kept.expiresAt + SWEEP_LAG_MS, 10)).toBe(1);
    await second.close();

    const third = reopen();
    expect(await third.sessions.get(kept.id)).toBeUndefined();
    expect(await third.sessions.get(touched.id)).toBeDefined();
  });

  it('upgrades sessions stored before the expiry bucket index: kept, swept by bucket, idle-time writes index nothing', async () => {
    // A file as the first four migrations left it, with two sessions in it.
    mkdirSync(dataDir, { recursive: true });
    const old = new Database(join(dataDir, 'anvil.db'));
    const expired = storedSession({ expiresAt: Date.UTC(2026, 0, 1, 8, 59) });
    const live = storedSession({ expiresAt: Date.UTC(2026, 0, 1, 9, 25) });
    old.pragma('journal_mode = WAL');
    old.transaction(() => {
      for (const migration of sqliteMigrations.slice(0, 4)) old.exec(migration);
      old.pragma('user_version = 4');
      const insert = old.prepare(
        `INSERT INTO sessions VALUES (@id, @secret_hash, @session_handle, @universal_id, @username, @realm,
           @creation_time, @latest_access_time, @max_idle_minutes, @max_session_minutes, @expires_at, @properties)`,
      );
      for (const s of [expired, live]) insert.run(sessionToRow(s));
    })();
    old.close();

    const stores = reopen();
    expect(await stores.sessions.get(live.id)).toEqual(live);
    expect(await stores.sessions.deleteExpired(Date.UTC(2026, 0, 1, 9, 0), 10)).toBe(1);
    expect(await stores.sessions.get(expired.id)).toBeUndefined();
    expect(await stores.sessions.get(live.id)).toEqual(live);
    // No index of the sessions names a column an idle-time write changes (an expression over
    // one has no column name); the sweeper's is the bucket's.
    const check = new Database(join(dataDir, 'anvil.db'), { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).toBe(sqliteMigrations.length);
      const indexes = check
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions'",
        )
        .all()
        .map((i) => i.name);
      expect(indexes).toContain('sessions_expiry_bucket');
      for (const name of indexes) {
        const columns = check.pragma(`index_info(${name})`) as { name: string | null }[];
        for (const { name: column } of columns)
          expect(['expires_at', 'latest_access_time']).not.toContain(column);
      }
    } finally {
      check.close();
    }
  });

  it('keeps identities, their updates and the case-insensitive uniqueness', async () => {
    const first = reopen();
    await first.identities.insert(storedIdentity('/', 'amAdmin'));
    await first.identities.insert(storedIdentity('/alpha', 'Alice'));
    await first.identities.update(storedIdentity('/alpha', 'Alice', { status: 'Inactive', modifyTime: 7 }));
    await first.close();

    const second = reopen();
    expect(await second.identities.count()).toBe(2);
    expect(await second.identities.get('/alpha', 'alice')).toEqual(
      storedIdentity('/alpha', 'Alice', { status: 'Inactive', modifyTime: 7 }),
    );
    expect(await second.identities.insert(storedIdentity('/alpha', 'ALICE'))).toBe(false);
    expect((await second.identities.list('/')).map((i) => i.username)).toEqual(['amAdmin']);
  });

  it('keeps the first meta value', async () => {
    const first = reopen();
    expect(await first.meta.getOrSet('journeySecret', 'first-boot')).toBe('first-boot');
    await first.close();

    const second = reopen();
    expect(await second.meta.getOrSet('journeySecret', 'second-boot')).toBe('first-boot');
  });

  it('creates the data directory and names it in the description', async () => {
    const stores = reopen();
    expect(stores.description).toContain(dataDir);
  });

  it('shares data between two stores open on the same directory at once', async () => {
    const a = reopen();
    const b = reopen();
    const session = storedSession();
    await a.sessions.insert(session);
    expect(await b.sessions.get(session.id)).toEqual(session);
    expect(await a.meta.getOrSet('k', 'from-a')).toBe('from-a');
    expect(await b.meta.getOrSet('k', 'from-b')).toBe('from-a');
  });

  it("sees another connection's writes at once, through its session cache", async () => {
    const a = reopen();
    const b = reopen();
    const session = storedSession();
    await a.sessions.insert(session);
    expect((await b.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime);
    // b now holds the session parsed in memory; every change a makes must show through it.
    await a.sessions.touch(session.id, session.latestAccessTime + 5_000, session.expiresAt + 5_000);
    expect((await b.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 5_000);
    await a.sessions.mergeProperties(session.id, { colour: 'blue' });
    expect((await b.sessions.get(session.id))?.properties.colour).toBe('blue');
    await b.sessions.mergeProperties(session.id, { colour: 'red' });
    expect((await a.sessions.get(session.id))?.properties.colour).toBe('red');
    await a.sessions.delete(session.id);
    expect(await b.sessions.get(session.id)).toBeUndefined();

    const other = storedSession();
    await b.sessions.insert(other);
    expect(await a.sessions.get(other.id)).toBeDefined();
    expect(await b.sessions.deleteByUniversalId(other.universalId)).toBe(1);
    expect(await a.sessions.get(other.id)).toBeUndefined();
  });

  it("sees another process's writes on its next request, through its session cache", async () => {
    const a = reopen();
    const session = storedSession();
    await a.sessions.insert(session);
    expect(await a.sessions.get(session.id)).toBeDefined();
    // Another OS process logs the session out (as a second Anvil on the same file would).
    const script = `
      const { createStores } = await import(process.argv[1]);
      const stores = createStores({ kind: 'sqlite', dataDir: process.argv[2] });
      const gone = await stores.sessions.delete(process.argv[3]);
      await stores.close();
      process.stdout.write(String(gone));
    `;
    const storesModule = new URL('../../src/stores/index.ts', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, storesModule, dataDir, session.id],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out).toBe('true');
    expect(await a.sessions.get(session.id)).toBeUndefined();
  });

  it('hands out sessions no caller can change for the next reader', async () => {
    const a = reopen();
    const session = storedSession();
    await a.sessions.insert(session);
    const read = await a.sessions.get(session.id);
    expect(() => {
      (read as { properties: Record<string, string> }).properties.injected = 'x';
    }).toThrow(TypeError);
    expect((await a.sessions.get(session.id))?.properties.injected).toBeUndefined();
  });
});

describe('SQLite on a data directory: the session quota holds across connections', () => {
  const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
  const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';
  const LIMIT = 5;
  const ACTIONS = ['DENY_ACCESS', 'DESTROY_NEXT_EXPIRING', 'DESTROY_OLDEST_SESSION', 'DESTROY_ALL'] as const;
  let dataDir: string;
  let open: Stores[];

  const connect = (): Stores => {
    const stores = createStores({ kind: 'sqlite', dataDir });
    open.push(stores);
    return stores;
  };
  const liveOf = async (stores: Stores) =>
    (await stores.sessions.listByUniversalId(DEMO)).filter((s) => s.expiresAt > T0).map((s) => s.id);

  beforeEach(() => {
    dataDir = tempDir();
    open = [];
  });
  afterEach(async () => {
    for (const stores of open) await stores.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const action of ACTIONS) {
    it(`${action}: two store instances on one directory, 50 concurrent logins, limit ${LIMIT}`, async () => {
      const a = connect();
      const b = connect();
      const sessions = Array.from({ length: 50 }, (_, i) =>
        storedSession({ universalId: i % 2 ? DEMO : DEMO.toUpperCase(), creationTime: T0 - 50 + i }),
      );
      const results = await Promise.all(
        sessions.map((s, i) => (i % 2 ? a : b).sessions.insertWithQuota(s, { limit: LIMIT, action }, T0)),
      );
      const inserted = results.filter((r) => r.inserted).length;
      expect(inserted).toBe(action === 'DENY_ACCESS' ? LIMIT : 50);
      expect(await liveOf(a)).toHaveLength(LIMIT);
      expect((await liveOf(b)).sort()).toEqual((await liveOf(a)).sort());
    });
  }

  /**
   * A writer in its own OS process, as when several Anvil nodes share the data directory. It opens
   * its own connection, says `ready`, waits for `go` on stdin, then logs the user in over and over
   * (for WINDOW_MS and at least MIN_LOGINS times). After each login it counts the user's live
   * sessions with one read, and under DENY_ACCESS logs out half of its successful logins again, so
   * that there is always room to compete for. It prints what happened as JSON.
   */
  const WRITER = `
    const { createHash, randomBytes } = await import('node:crypto');
    const { createStores } = await import(process.argv[1]);
    const [, , dataDir, action, limit, now, universalId] = process.argv;
    const quota = { limit: Number(limit), action };
    const { sessions } = createStores({ kind: 'sqlite', dataDir });
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    const out = { results: [], loggedOut: [], maxLive: 0 };
    const until = Date.now() + 400;
    while (Date.now() < until || out.results.length < 40) {
      const id = randomBytes(12).toString('base64url');
      const t = Number(now) - 1 - Math.floor(Math.random() * 60000);
      const session = {
        id, sessionHandle: 'shandle:' + randomBytes(24).toString('base64url'), universalId,
        username: 'demo', realm: '/alpha', creationTime: t, latestAccessTime: t,
        maxIdleMinutes: 30, maxSessionMinutes: 120, properties: {},
        secretHash: createHash('sha256').update(randomBytes(24)).digest(),
        expiresAt: t + 30 * 60000 + Math.floor(Math.random() * 60000),
      };
      const result = await sessions.insertWithQuota(session, quota, Number(now));
      out.results.push({ id, ...result });
      if (action === 'DENY_ACCESS' && result.inserted && Math.random() < 0.5) {
        await sessions.delete(id);
        out.loggedOut.push(id);
      }
      const live = (await sessions.listByUniversalId(universalId)).filter((s) => s.expiresAt > Number(now));
      out.maxLive = Math.max(out.maxLive, live.length);
    }
    process.stdout.write(JSON.stringify(out) + '\\n');
    process.exit(0);
  `;
  const storesModule = new URL('../../src/stores/index.ts', import.meta.url).pathname;

  interface WriterReport {
    results: ({ id: string } & QuotaInsert)[];
    loggedOut: string[];
    maxLive: number;
  }

  /** Starts one writer per spelling, lets them all go at once, and collects their reports. */
  const race = async (action: QuotaAction, spellings: readonly string[]): Promise<WriterReport[]> => {
    const writers = spellings.map((universalId) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          WRITER,
          storesModule,
          dataDir,
          action,
          String(LIMIT),
          String(T0),
          universalId,
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const ready = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.startsWith('ready\n')) resolve();
        });
      });
      const done = new Promise<WriterReport>((resolve, reject) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(JSON.parse(stdout.slice('ready\n'.length)) as WriterReport);
          else reject(new Error(`writer exited with ${code}: ${stderr}`));
        });
      });
      return { child, ready: Promise.race([ready, done.then(() => {})]), done };
    });
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.end('go\n');
    return Promise.all(writers.map((w) => w.done));
  };

  for (const action of ACTIONS) {
    it(`${action}: four processes logging one user in at once never see more than ${LIMIT} live sessions`, {
      timeout: 60_000,
    }, async () => {
      connect(); // creates the schema before the writers open the database
      const spellings = [DEMO, DEMO.toUpperCase(), DEMO, 'Id=Demo,Ou=User,O=Alpha,Ou=Services,Ou=Am-Config'];
      const reports = await race(action, spellings);
      const results = reports.flatMap((r) => r.results);
      const inserted = results.filter((r) => r.inserted).map((r) => r.id);
      const live = await liveOf(connect());
      expect(Math.max(...reports.map((r) => r.maxLive))).toBeLessThanOrEqual(LIMIT);
      if (action === 'DENY_ACCESS') {
        const loggedOut = new Set(reports.flatMap((r) => r.loggedOut));
        expect(live.length).toBeLessThanOrEqual(LIMIT);
        expect(live.sort()).toEqual(inserted.filter((id) => !loggedOut.has(id)).sort());
        expect(results.every((r) => r.inserted || !('evicted' in r))).toBe(true);
      } else {
        expect(inserted).toHaveLength(results.length);
        // DESTROY_ALL empties the user at each login that finds LIMIT live, so what is left
        // depends on how many logins there were in all; the other actions keep the user at LIMIT.
        expect(live).toHaveLength(action === 'DESTROY_ALL' ? ((results.length - 1) % LIMIT) + 1 : LIMIT);
        // Every session was evicted exactly once, or is one of those left.
        const evicted = results.flatMap((r) => (r.inserted ? r.evicted : []));
        expect([...evicted, ...live].sort()).toEqual(inserted.sort());
      }
    });
  }
});

describe('memory and sqlite-memory stores keep nothing across instances', () => {
  for (const kind of ['memory', 'sqlite-memory'] as const) {
    it(`${kind}: a new instance starts empty`, async () => {
      const first = createStores({ kind });
      const session = storedSession();
      await first.sessions.insert(session);
      await first.identities.insert(storedIdentity('/alpha', 'alice'));
      await first.meta.getOrSet('k', 'v1');
      await first.close();
      const second = createStores({ kind });
      expect(await second.sessions.get(session.id)).toBeUndefined();
      expect(await second.identities.count()).toBe(0);
      expect(await second.meta.getOrSet('k', 'v2')).toBe('v2');
      await second.close();
    });
  }
});
