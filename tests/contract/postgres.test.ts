import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations, openPostgres, type PostgresStores } from '../../src/stores/postgres/index.js';
import { expiredSweep, sessionParams } from '../../src/stores/postgres/session-store.js';
import { describeIdentityStore } from './identity-store.contract.js';
import { describeLockoutStore } from './lockout-store.contract.js';
import { describeMetaStore } from './meta-store.contract.js';
import { DATABASE_URL, describeWithPostgres } from './postgres-support.js';
import { describeSessionStore, storedSession } from './session-store.contract.js';
import { describeUsedJourneyStore } from './used-journey-store.contract.js';

/** A new schema name: every test works in its own schema, dropped afterwards. */
const freshSchema = () => `anvil_test_${randomBytes(8).toString('hex')}`;

let admin: pg.Pool | undefined;
const adminPool = (): pg.Pool => {
  admin ??= new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  return admin;
};
const dropSchema = async (schema: string): Promise<void> => {
  await adminPool().query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
};
afterAll(async () => {
  await admin?.end();
});

function opener<K extends 'sessions' | 'identities' | 'meta' | 'usedJourneys' | 'lockouts'>(key: K) {
  return async () => {
    const schema = freshSchema();
    const stores = await openPostgres({ url: DATABASE_URL, schema });
    return {
      store: stores[key],
      close: async () => {
        await stores.close();
        await dropSchema(schema);
      },
    };
  };
}

/** A node of `EXPLAIN (FORMAT JSON)`'s plan. */
interface PlanNode {
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

await describeWithPostgres('PostgreSQL', () => {
  describeSessionStore('postgresql', opener('sessions'));
  describeIdentityStore('postgresql', opener('identities'));
  describeMetaStore('postgresql', opener('meta'));
  describeUsedJourneyStore('postgresql', opener('usedJourneys'));
  describeLockoutStore('postgresql', opener('lockouts'));

  describe('PostgreSQL: schema, migrations and several nodes', () => {
    const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
    const DEMO = 'id=demo,ou=user,o=alpha,ou=services,ou=am-config';
    const LIMIT = 5;
    const ACTIONS = [
      'DENY_ACCESS',
      'DESTROY_NEXT_EXPIRING',
      'DESTROY_OLDEST_SESSION',
      'DESTROY_ALL',
    ] as const;
    let schema: string;
    let open: PostgresStores[];

    /** Another node: its own pool on the test's schema. */
    const connect = async (poolSize?: number): Promise<PostgresStores> => {
      const stores = await openPostgres({ url: DATABASE_URL, schema, poolSize });
      open.push(stores);
      return stores;
    };
    const appliedVersion = async (): Promise<number | undefined> => {
      const { rows } = await adminPool().query<{ applied: number }>(
        `SELECT applied FROM ${pg.escapeIdentifier(schema)}.anvil_schema`,
      );
      return rows.length === 1 ? rows[0]?.applied : undefined;
    };
    const liveOf = async (stores: PostgresStores) =>
      (await stores.sessions.listByUniversalId(DEMO)).filter((s) => s.expiresAt > T0).map((s) => s.id);

    beforeEach(() => {
      schema = freshSchema();
      open = [];
    });
    afterEach(async () => {
      for (const stores of open) await stores.close().catch(() => {});
      await dropSchema(schema);
    });

    it('applies the migrations once: opening again, and migrate(), keep the data and the version', async () => {
      const session = storedSession();
      const first = await connect();
      await first.sessions.insert(session);
      await first.meta.getOrSet('journeySecret', 'first-boot');
      await first.close();
      const second = await connect();
      await second.migrate();
      await second.migrate();
      expect(await appliedVersion()).toBe(migrations.length);
      expect(await second.sessions.get(session.id)).toEqual(session);
      expect(await second.meta.getOrSet('journeySecret', 'second-boot')).toBe('first-boot');
    });

    it('keeps serving a node whose prepared reads outlive a column added by a later migration', async () => {
      // One connection, so that the reads after the change run on the connection that prepared
      // them; no session cache, so that every get reads the row.
      const stores = await openPostgres({ url: DATABASE_URL, schema, poolSize: 1, sessionCacheEntries: 0 });
      open.push(stores);
      const session = storedSession();
      await stores.sessions.insert(session);
      const identity = {
        realm: '/alpha',
        username: 'demo',
        universalId: DEMO,
        status: 'Active' as const,
        attributes: {},
        createTime: T0,
        modifyTime: T0,
        passwordHash: 'hash',
      };
      await stores.identities.insert(identity);
      expect(await stores.sessions.get(session.id)).toEqual(session);
      expect(await stores.identities.get('/alpha', 'demo')).toEqual(identity);
      const quoted = pg.escapeIdentifier(schema);
      await adminPool().query(`ALTER TABLE ${quoted}.sessions ADD COLUMN added_later text`);
      await adminPool().query(`ALTER TABLE ${quoted}.identities ADD COLUMN added_later text`);
      expect(await stores.sessions.get(session.id)).toEqual(session);
      expect(await stores.identities.get('/alpha', 'demo')).toEqual(identity);
    });

    it('upgrades sessions stored before the expiry buckets: kept, swept by bucket, idle-time writes touch no index', async () => {
      // A schema as the first two migrations left it, with two sessions in it.
      const quoted = pg.escapeIdentifier(schema);
      const client = await adminPool().connect();
      const expired = storedSession({ expiresAt: T0 - 60_000 });
      const live = storedSession({ expiresAt: T0 + 25 * 60_000 });
      try {
        await client.query('BEGIN');
        await client.query(`CREATE SCHEMA ${quoted}`);
        await client.query(`SET LOCAL search_path TO ${quoted}`);
        for (const migration of migrations.slice(0, 2)) await client.query(migration);
        await client.query(
          'CREATE TABLE anvil_schema (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row), applied integer NOT NULL)',
        );
        await client.query('INSERT INTO anvil_schema (applied) VALUES (2)');
        for (const s of [expired, live]) {
          await client.query(
            `INSERT INTO sessions (id, secret_hash, session_handle, universal_id, username, realm, creation_time,
               latest_access_time, max_idle_minutes, max_session_minutes, expires_at, properties)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
            sessionParams(s),
          );
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }

      const stores = await connect();
      expect(await appliedVersion()).toBe(migrations.length);
      expect(await stores.sessions.get(live.id)).toEqual(live);
      expect(await stores.sessions.deleteExpired(T0, 100)).toBe(1);
      expect(await stores.sessions.get(expired.id)).toBeUndefined();
      expect(await stores.sessions.get(live.id)).toEqual(live);
      // No index names a column an idle-time write changes: PostgreSQL can make those writes
      // HOT updates (no new index entries), as long as the bucket stays the same.
      const { rows } = await adminPool().query<{ indexdef: string }>(
        'SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2',
        [schema, 'sessions'],
      );
      expect(rows.length).toBe(5);
      for (const { indexdef } of rows) expect(indexdef).not.toMatch(/expires_at|latest_access_time/);
    });

    it('sweeps by reading only the rows it removes, however many live sessions share the bucket', async () => {
      const stores = await connect();
      const now = T0 + 5 * 60_000;
      // Two expired in the bucket before now's; 300 in now's bucket, 3 of them already expired.
      const earlier = [T0 - 60_000, T0 - 1].map((expiresAt) => storedSession({ expiresAt }));
      const current = Array.from({ length: 300 }, (_, i) =>
        storedSession({ expiresAt: T0 + 60_000 * (i < 3 ? 1 : 6) + i }),
      );
      for (const s of [...earlier, ...current]) await stores.sessions.insert(s);
      await adminPool().query(`ANALYZE ${pg.escapeIdentifier(schema)}.sessions`);
      // The plan the sweep runs, executed and rolled back; index scans only, as on a big table.
      const client = await adminPool().connect();
      let plan: PlanNode;
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_seqscan = off');
        await client.query('SET LOCAL enable_bitmapscan = off');
        const sweep = expiredSweep(`${pg.escapeIdentifier(schema)}.sessions`, now, 1000);
        const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>({
          text: `EXPLAIN (ANALYZE, FORMAT JSON) ${sweep.text}`,
          values: sweep.values,
        });
        const [explained] = rows;
        if (!explained) throw new Error('EXPLAIN answered no row');
        plan = explained['QUERY PLAN'][0].Plan;
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
      const scans = nodesOf(plan).filter((n) => n['Index Name'] === 'sessions_expiry_bucket');
      expect(scans).toHaveLength(1);
      expect(scans[0]?.['Actual Rows']).toBe(2);
      expect(scans[0]?.['Rows Removed by Filter'] ?? 0).toBe(0);
      // And the store's own sweep: the two now; now's bucket once it has ended (all expired by then).
      expect(await stores.sessions.deleteExpired(now, 1000)).toBe(2);
      expect((await stores.sessions.listByUniversalId(DEMO)).length).toBe(300);
      expect(await stores.sessions.deleteExpired(T0 + 10 * 60_000, 1000)).toBe(300);
    });

    it('lets several nodes open a fresh schema at once (the advisory lock serialises the migrations)', async () => {
      const nodes = await Promise.all(Array.from({ length: 4 }, () => connect(2)));
      expect(await appliedVersion()).toBe(migrations.length);
      const session = storedSession();
      await nodes[0]?.sessions.insert(session);
      for (const node of nodes) expect(await node.sessions.get(session.id)).toEqual(session);
      expect(new Set(await Promise.all(nodes.map((n, i) => n.meta.getOrSet('k', `node-${i}`)))).size).toBe(1);
    });

    it('commits idle-time writes (touch) without waiting for the WAL flush, and other writes with it', async () => {
      const stores = await connect();
      const session = storedSession();
      await stores.sessions.insert(session);
      // Right after a commit returns: is all the WAL written so far on disk? A synchronous commit
      // leaves nothing behind when nothing else writes; an asynchronous one leaves its own record
      // for the WAL writer (up to 200 ms). Other suites may write meanwhile: a few tries each.
      const allFlushed = async () =>
        (
          await adminPool().query<{ flushed: boolean }>(
            'SELECT pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn() AS flushed',
          )
        ).rows[0]?.flushed;
      const afterTouch: (boolean | undefined)[] = [];
      const afterMerge: (boolean | undefined)[] = [];
      for (let i = 1; i <= 5; i++) {
        const at = session.latestAccessTime + i * 1000;
        expect(await stores.sessions.touch(session.id, at, at + 60_000)).toBe(true);
        afterTouch.push(await allFlushed());
        await stores.sessions.mergeProperties(session.id, { n: String(i) });
        afterMerge.push(await allFlushed());
      }
      expect(afterTouch, 'a touch leaves its commit to the WAL writer').toContain(false);
      expect(afterMerge, 'other writes wait for their commit to reach the disk').toContain(true);
      expect((await stores.sessions.get(session.id))?.latestAccessTime).toBe(session.latestAccessTime + 5000);
    });

    it('writes idle-time updates one statement at a time: a stalled write holds one connection, not the pool', async () => {
      const stores = await connect(3);
      const sessions = Array.from({ length: 20 }, () => storedSession({ universalId: DEMO }));
      for (const session of sessions) await stores.sessions.insert(session);
      // Another client lets reads through but holds every UPDATE of the table.
      const blocker = await adminPool().connect();
      let touches: Promise<boolean>[] = [];
      try {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE ${pg.escapeIdentifier(schema)}.sessions IN SHARE MODE`);
        touches = sessions.map((s, i) =>
          stores.sessions.touch(s.id, s.latestAccessTime + 1000 + i, s.expiresAt + 1000),
        );
        touches.push(stores.sessions.touch('no-such-session', T0, T0 + 60_000));
        // Earlier than the one before it: the session keeps the later time.
        const first = sessions[0] as (typeof sessions)[number];
        touches.push(stores.sessions.touch(first.id, first.latestAccessTime + 1, first.expiresAt));
        const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), 5000));
        const listed = await Promise.race([stores.sessions.listByUniversalId(DEMO), timeout]);
        expect(listed, 'reads go on over the other pooled connections').toHaveLength(20);
      } finally {
        await blocker.query('COMMIT');
        blocker.release();
      }
      expect(await Promise.all(touches)).toEqual([...sessions.map(() => true), false, true]);
      for (const [i, s] of sessions.entries()) {
        expect((await stores.sessions.get(s.id))?.latestAccessTime).toBe(s.latestAccessTime + 1000 + i);
      }
    });

    it('refuses a schema that a newer Anvil migrated', async () => {
      await (await connect()).close();
      await adminPool().query(
        `UPDATE ${pg.escapeIdentifier(schema)}.anvil_schema SET applied = ${migrations.length + 1}`,
      );
      await expect(openPostgres({ url: DATABASE_URL, schema })).rejects.toThrow(/newer than this Anvil/);
    });

    it('keeps schemas apart, and names the database and schema without the password', async () => {
      const mine = await connect();
      const otherSchema = freshSchema();
      const other = await openPostgres({ url: DATABASE_URL, schema: otherSchema });
      try {
        const session = storedSession();
        await mine.sessions.insert(session);
        expect(await other.sessions.get(session.id)).toBeUndefined();
        expect(await other.identities.count()).toBe(0);
        expect(mine.description).toContain(schema);
        expect(mine.description).toContain(new URL(DATABASE_URL).host);
        const password = new URL(DATABASE_URL).password;
        if (password) expect(mine.description).not.toContain(password);
      } finally {
        await other.close();
        await dropSchema(otherSchema);
      }
    });

    it('returns bigints as numbers through its own pool only, leaving pg’s global parsers alone', async () => {
      await connect();
      expect(pg.types.getTypeParser(pg.types.builtins.INT8)('5')).toBe('5');
    });

    for (const action of ACTIONS) {
      it(`${action}: two nodes (two pools), 50 concurrent logins of one user, limit ${LIMIT}`, async () => {
        const [a, b] = [await connect(5), await connect(5)];
        const sessions = Array.from({ length: 50 }, (_, i) =>
          storedSession({
            universalId: i % 2 ? DEMO : DEMO.toUpperCase(),
            creationTime: T0 - 50 + i,
            latestAccessTime: T0 - 50 + i,
            expiresAt: T0 + 60_000 + i,
          }),
        );
        const results = await Promise.all(
          sessions.map((s, i) => (i % 2 ? a : b).sessions.insertWithQuota(s, { limit: LIMIT, action }, T0)),
        );
        const inserted = sessions.filter((_, i) => results[i]?.inserted).map((s) => s.id);
        expect(inserted).toHaveLength(action === 'DENY_ACCESS' ? LIMIT : 50);
        const live = await liveOf(a);
        expect(live).toHaveLength(LIMIT);
        expect((await liveOf(b)).sort()).toEqual([...live].sort());
        if (action !== 'DENY_ACCESS') {
          // Every session was either evicted exactly once or is one of those left.
          const evicted = results.flatMap((r) => (r.inserted ? r.evicted : []));
          expect([...evicted, ...live].sort()).toEqual([...inserted].sort());
        }
      });
    }
  });
});
