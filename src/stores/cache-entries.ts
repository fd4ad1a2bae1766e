import type { StoredSession } from '../domain/sessions/session.js';

/** Freezes a session before a cache keeps it, so that no caller can change what later readers get. */
export function freezeSession(session: StoredSession): StoredSession {
  Object.freeze(session.properties);
  return Object.freeze(session);
}

/** Sets `key` in a map kept to at most `limit` entries: the oldest inserted goes first. */
export function setBounded<K, V>(entries: Map<K, V>, limit: number, key: K, value: V): void {
  if (entries.size >= limit && !entries.has(key)) {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
  entries.set(key, value);
}
