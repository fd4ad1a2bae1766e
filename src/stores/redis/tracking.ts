import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';
import { TrackingCache } from './tracking-cache.js';

/** The channel on which Redis pushes the names of changed keys to a RESP2 redirect connection. */
const INVALIDATE = '__redis__:invalidate';

export interface Tracking {
  cache: TrackingCache;
  close(): Promise<void>;
}

/**
 * Client-side caching for the sessions `client` reads (rules: tracking-cache.ts). A second
 * connection, the tracker, subscribes to the invalidation channel; `client`'s reads are tracked
 * into it (`CLIENT TRACKING ON REDIRECT <tracker id>`). Whenever either connection closes the
 * cache is dropped and serves nothing until both are back and tracking is on again. A server that
 * refuses tracking (Redis before 6, an ACL without CLIENT) leaves the cache off; `onError` says so.
 * Only for one server (URL mode): with Sentinel or Cluster the two connections could end up on
 * different servers.
 */
export async function startTracking(
  client: Redis,
  keys: RedisKeys,
  limit: number,
  onError: (error: Error) => void,
): Promise<Tracking> {
  // No auto-pipelining: PINGs go one at a time, and auto-pipelining wraps each in a pipeline of
  // its own — objects that outlive the young generation, to be swept by full collections.
  const tracker = client.duplicate({
    lazyConnect: true,
    autoResubscribe: false,
    enableAutoPipelining: false,
  });
  const cache = new TrackingCache(limit, () => tracker.ping());
  const sessionKey = keys.session('');
  let trackerId: number | undefined;
  let trackerSessions = 0;
  let reported = false;
  const report = (error: unknown) => {
    if (reported) return;
    reported = true;
    const message = error instanceof Error ? error.message : String(error);
    onError(new Error(`Redis session cache off: ${message}`));
  };

  tracker.on('error', () => {
    // Connection errors reach the main client's handler too; the tracker only needs to recover.
  });
  tracker.on('messageBuffer', (channel: Buffer, message: unknown) => {
    if (channel.toString() !== INVALIDATE) return;
    // A null message means FLUSHDB/FLUSHALL; anything else but a list of keys is treated alike.
    if (!Array.isArray(message)) return cache.invalidate(null);
    const ids: string[] = [];
    for (const key of message) {
      const name = String(key);
      if (name.startsWith(sessionKey)) ids.push(name.slice(sessionKey.length));
    }
    cache.invalidate(ids);
  });

  /** Points `client`'s tracking at the current tracker; the cache serves again once it answers. */
  const redirect = async (): Promise<void> => {
    const id = trackerId;
    if (id === undefined || client.status !== 'ready') return;
    cache.lost();
    const epoch = cache.epoch;
    try {
      await client.client('TRACKING', 'OFF');
      await client.client('TRACKING', 'ON', 'REDIRECT', String(id));
      if (trackerId === id) {
        cache.tracking(epoch);
        reported = false;
      }
    } catch (error) {
      report(error);
    }
  };
  const trackerReady = async (): Promise<void> => {
    const session = ++trackerSessions;
    try {
      const id = Number(await tracker.client('ID'));
      await tracker.subscribe(INVALIDATE);
      if (session !== trackerSessions) return;
      trackerId = id;
      await redirect();
    } catch (error) {
      report(error);
    }
  };

  let settingUp: Promise<void> = Promise.resolve();
  tracker.on('ready', () => {
    settingUp = trackerReady();
  });
  tracker.on('close', () => {
    trackerSessions += 1;
    trackerId = undefined;
    cache.lost();
  });
  client.on('ready', () => {
    settingUp = redirect();
  });
  client.on('close', () => cache.lost());

  try {
    await tracker.connect();
    await settingUp;
  } catch (error) {
    report(error);
  }
  return {
    cache,
    close: async () => {
      cache.lost();
      if (tracker.status === 'ready') await tracker.quit().catch(() => tracker.disconnect());
      else tracker.disconnect();
    },
  };
}
