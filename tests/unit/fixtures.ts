import { createHash } from 'node:crypto';
import type { PasswordHasher } from '../../src/domain/identity/store.js';
import {
  type QuotaSettings,
  type RealmDefinition,
  RealmRegistry,
  type SessionDefaults,
} from '../../src/domain/realms/realm-registry.js';
import type { SessionStore } from '../../src/domain/sessions/store.js';

export const DEFAULT_SESSION_SETTINGS: SessionDefaults = {
  maxIdleMinutes: 30,
  maxSessionMinutes: 120,
  allowlist: [],
  queryProperties: ['AMCtxId'],
  quota: { enabled: false, limit: 5, action: 'DESTROY_NEXT_EXPIRING' },
};

export function realms(
  definitions: readonly RealmDefinition[] = [{ path: '/alpha' }, { path: '/bravo' }],
): RealmRegistry {
  return new RealmRegistry(definitions, DEFAULT_SESSION_SETTINGS);
}

/**
 * A registry whose `/alpha` realm enforces a session quota (the defaults leave it off), followed
 * by `more` definitions (sub-realms of `/alpha` inherit the quota part by part).
 */
export function realmsWithQuota(
  quota: Partial<QuotaSettings>,
  more: readonly RealmDefinition[] = [],
): RealmRegistry {
  return realms([
    { path: '/alpha', session: { quota: { enabled: true, ...quota } } },
    { path: '/bravo' },
    ...more,
  ]);
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

/** A session store that records the calls that reach it. */
export type RecordingSessionStore = SessionStore & {
  calls: { method: keyof SessionStore; args: unknown[] }[];
  count(method: keyof SessionStore): number;
};

/** Wraps a session store so that every call (of every method, present and future) is recorded. */
export function recordCalls(inner: SessionStore): RecordingSessionStore {
  const calls: RecordingSessionStore['calls'] = [];
  const count = (method: keyof SessionStore) => calls.filter((c) => c.method === method).length;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'calls') return calls;
      if (property === 'count') return count;
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push({ method: property as keyof SessionStore, args });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as RecordingSessionStore;
}

/** Replaces the character at `index` with a different character of the same alphabet. */
export function replaceAt(value: string, index: number, replacement?: string): string {
  const current = value[index];
  const next = replacement ?? (current === 'A' ? 'B' : 'A');
  return `${value.slice(0, index)}${next}${value.slice(index + 1)}`;
}
