import { Cluster, Redis } from 'ioredis';
import type { UsedJourneyStore } from '../../domain/authn/authn-service.js';
import type { SessionStore } from '../../domain/sessions/store.js';
import { effectivePrefix, RedisKeys } from './keys.js';
import { SCRIPTS, type ScriptName, type ScriptRunner } from './scripts.js';
import { type HashReader, RedisSessionStore } from './session-store.js';
import { startTracking, type Tracking } from './tracking.js';
import { RedisUsedJourneyStore } from './used-journey-store.js';

export { DEFAULT_KEY_PREFIX, GC_GRACE_MS } from './keys.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Sessions a node keeps parsed in memory by default (URL mode; about 1 KiB each). */
export const DEFAULT_REDIS_SESSION_CACHE_ENTRIES = 100_000;

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one of a URL, Sentinel (sentinels + sentinelName) or Cluster nodes. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS). The default when nothing is given. */
  url?: string | undefined;
  /** Prefix of every key (default `anvil:`); a hash tag is added unless it has one (keys.ts). */
  keyPrefix?: string | undefined;
  sentinels?: readonly RedisNode[] | undefined;
  /** The master's name known to the sentinels. */
  sentinelName?: string | undefined;
  cluster?: readonly RedisNode[] | undefined;
  /**
   * Sessions kept in memory, coherent through Redis's client-side caching (tracking.ts); URL mode
   * only, 0 turns it off. Default DEFAULT_REDIS_SESSION_CACHE_ENTRIES.
   */
  sessionCacheEntries?: number | undefined;
  /** Connection errors after startup (ioredis reconnects by itself); ignored when not given. */
  onError?: ((error: Error) => void) | undefined;
}

export interface RedisStores {
  sessions: SessionStore;
  usedJourneys: UsedJourneyStore;
  close(): Promise<void>;
  /** Where the data lives, for the startup log (no password). */
  description: string;
  /** The node's session cache (URL mode, unless turned off), for operations and tests. */
  sessionCache: { readonly size: number } | undefined;
}

type Client = Redis | Cluster;

/**
 * Connects to Redis and returns the session and spent-authId stores on it. Rejects when the
 * server cannot be reached at startup (instead of retrying forever); later outages make
 * individual calls fail while ioredis reconnects.
 */
export async function openRedis(options: RedisStoreOptions): Promise<RedisStores> {
  const keys = new RedisKeys(effectivePrefix(options.keyPrefix));
  const cacheEntries = options.sessionCacheEntries ?? DEFAULT_REDIS_SESSION_CACHE_ENTRIES;
  const { client, where } = connection(options, cacheEntries);
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
    options.onError?.(error);
  });
  try {
    await startup(client.connect());
  } catch (error) {
    client.disconnect();
    const message = error instanceof Error ? error.message : String(error);
    const last = lastError?.message;
    const reason =
      last === undefined || last === message
        ? message
        : message === 'Connection is closed.'
          ? last
          : `${message}; last error: ${last}`;
    throw new Error(`Redis not reachable at ${where}: ${reason}`);
  }
  for (const [name, { keys: numberOfKeys, lua }] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { numberOfKeys, lua });
  }
  const commands = client as unknown as Record<
    ScriptName,
    (...args: (string | number)[]) => Promise<unknown>
  >;
  const run: ScriptRunner = (name, scriptKeys, args) =>
    commands[name].call(client, ...scriptKeys, keys.prefix, ...args);
  let tracking: Tracking | undefined;
  if (cacheEntries > 0 && client instanceof Redis && options.sentinels === undefined) {
    tracking = await startTracking(client, keys, cacheEntries, (error) => options.onError?.(error));
  }
  const read: HashReader = (key, fields) => client.hmget(key, ...fields);
  return {
    sessions: new RedisSessionStore(run, read, keys, tracking?.cache),
    usedJourneys: new RedisUsedJourneyStore(run, keys),
    sessionCache: tracking?.cache,
    description: `redis (${where}, key prefix ${keys.prefix}, ${
      tracking ? `session cache ${cacheEntries} entries` : 'no session cache'
    })`,
    close: async () => {
      await tracking?.close();
      // QUIT waits for the server; while reconnecting it could wait for ever, so just drop then.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** How long openRedis waits for the first connection. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Sentinel: give up a round over unreachable sentinels (ioredis then reconnects from scratch). */
const sentinelRetryStrategy = (times: number): number | null => (times > 5 ? null : times * 200);

async function startup(connected: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no connection within ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([connected, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The client for the configured mode; `cacheEntries`: the session cache's size (URL mode only). */
function connection(options: RedisStoreOptions, cacheEntries: number): { client: Client; where: string } {
  const { url, sentinels, sentinelName, cluster } = options;
  const modes = [url !== undefined, sentinels !== undefined, cluster !== undefined].filter(Boolean).length;
  if (modes > 1) throw new Error('Redis: give one of url, sentinels or cluster');
  const list = (nodes: readonly RedisNode[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  if (cluster !== undefined) {
    if (cluster.length === 0) throw new Error('Redis: cluster needs at least one node');
    return {
      client: new Cluster(
        cluster.map((n) => ({ ...n })),
        { lazyConnect: true, enableAutoPipelining: true },
      ),
      where: `cluster ${list(cluster)}`,
    };
  }
  if (sentinels !== undefined) {
    if (sentinels.length === 0 || !sentinelName) throw new Error('Redis: sentinels need sentinelName');
    return {
      client: new Redis({
        sentinels: sentinels.map((n) => ({ ...n })),
        name: sentinelName,
        lazyConnect: true,
        enableAutoPipelining: true,
        sentinelRetryStrategy,
      }),
      where: `sentinel master ${sentinelName} via ${list(sentinels)}`,
    };
  }
  if (sentinelName !== undefined) throw new Error('Redis: sentinelName needs sentinels');
  const address = url ?? DEFAULT_REDIS_URL;
  const parsed = new URL(address);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`);
  }
  if (parsed.password) parsed.password = '***';
  // Auto-pipelining sends the commands of one event-loop turn in one write: under load, one
  // system call (and one Redis read) for many requests instead of one each. With the session
  // cache the connection carries only misses and writes, rarely two in one turn, and each
  // pipeline auto-pipelining builds (one per turn) outlives the young generation: old-generation
  // garbage, slower scavenges and more full collections for nothing (bench/README.md).
  return {
    client: new Redis(address, { lazyConnect: true, enableAutoPipelining: cacheEntries <= 0 }),
    where: parsed.toString(),
  };
}
