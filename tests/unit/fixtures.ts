import { createHash } from 'node:crypto';
import type { PasswordHasher } from '../../src/domain/identity/store.js';
import type { RealmSessionSettings } from '../../src/domain/realms/realm.js';
import { type RealmDefinition, RealmRegistry } from '../../src/domain/realms/realm-registry.js';
import type { StoredSession } from '../../src/domain/sessions/session.js';
import type { SessionStore } from '../../src/domain/sessions/store.js';

export const DEFAULT_SESSION_SETTINGS: RealmSessionSettings = {
  maxIdleMinutes: 30,
  maxSessionMinutes: 120,
  allowlist: [],
  queryProperties: ['AMCtxId'],
};

export function realms(
  definitions: readonly RealmDefinition[] = [{ path: '/alpha' }, { path: '/bravo' }],
): RealmRegistry {
  return new RealmRegistry(definitions, DEFAULT_SESSION_SETTINGS);
}

/**
 * A fast, deterministic stand-in for argon2id (the domain only sees the interface). Counts calls
 * so that tests can check how much hashing work a path does.
 */
export class FakeHasher implements PasswordHasher {
  hashes = 0;
  verifications = 0;

  async hash(password: string): Promise<string> {
    this.hashes += 1;
    return `fake$${createHash('sha256').update(password).digest('hex')}`;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    this.verifications += 1;
    return hash === `fake$${createHash('sha256').update(password).digest('hex')}`;
  }
}

/** Wraps a session store and records the calls that reach it. */
export class RecordingSessionStore implements SessionStore {
  readonly calls: { method: keyof SessionStore; args: unknown[] }[] = [];
  readonly #inner: SessionStore;

  constructor(inner: SessionStore) {
    this.#inner = inner;
  }

  count(method: keyof SessionStore): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  insert(session: StoredSession): Promise<void> {
    this.calls.push({ method: 'insert', args: [session] });
    return this.#inner.insert(session);
  }

  get(id: string): Promise<StoredSession | undefined> {
    this.calls.push({ method: 'get', args: [id] });
    return this.#inner.get(id);
  }

  touch(id: string, latestAccessTime: number, expiresAt: number): Promise<boolean> {
    this.calls.push({ method: 'touch', args: [id, latestAccessTime, expiresAt] });
    return this.#inner.touch(id, latestAccessTime, expiresAt);
  }

  delete(id: string): Promise<boolean> {
    this.calls.push({ method: 'delete', args: [id] });
    return this.#inner.delete(id);
  }

  deleteExpired(now: number, limit: number): Promise<number> {
    this.calls.push({ method: 'deleteExpired', args: [now, limit] });
    return this.#inner.deleteExpired(now, limit);
  }
}

/** Replaces the character at `index` with a different character of the same alphabet. */
export function replaceAt(value: string, index: number, replacement?: string): string {
  const current = value[index];
  const next = replacement ?? (current === 'A' ? 'B' : 'A');
  return `${value.slice(0, index)}${next}${value.slice(index + 1)}`;
}
