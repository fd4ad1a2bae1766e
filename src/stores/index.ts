import type { UsedJourneyStore } from '../domain/authn/authn-service.js';
import type { LockoutStore } from '../domain/authn/lockout.js';
import type { IdentityStore } from '../domain/identity/store.js';
import type { MetaStore } from '../domain/meta-store.js';
import type { SessionStore } from '../domain/sessions/store.js';
import {
  MemoryIdentityStore,
  MemoryLockoutStore,
  MemoryMetaStore,
  MemorySessionStore,
  MemoryUsedJourneyStore,
} from './memory/index.js';
import { openSqlite } from './sqlite/database.js';
import { SqliteIdentityStore } from './sqlite/identity-store.js';
import { SqliteLockoutStore } from './sqlite/lockout-store.js';
import { SqliteMetaStore } from './sqlite/meta-store.js';
import { SqliteSessionStore } from './sqlite/session-store.js';
import { SqliteUsedJourneyStore } from './sqlite/used-journey-store.js';

export interface Stores {
  sessions: SessionStore;
  identities: IdentityStore;
  meta: MetaStore;
  usedJourneys: UsedJourneyStore;
  lockouts: LockoutStore;
  /** Where the data lives, for the startup log. */
  description: string;
  close(): Promise<void>;
}

export type StoreLocation =
  | { kind: 'sqlite'; dataDir: string }
  | { kind: 'sqlite-memory' }
  | { kind: 'memory' };

export function createStores(location: StoreLocation): Stores {
  if (location.kind === 'memory') {
    return {
      sessions: new MemorySessionStore(),
      identities: new MemoryIdentityStore(),
      meta: new MemoryMetaStore(),
      usedJourneys: new MemoryUsedJourneyStore(),
      lockouts: new MemoryLockoutStore(),
      description: 'memory (nothing is kept)',
      close: async () => {},
    };
  }
  const db = openSqlite(location.kind === 'sqlite' ? { dataDir: location.dataDir } : { memory: true });
  return {
    sessions: new SqliteSessionStore(db),
    identities: new SqliteIdentityStore(db),
    meta: new SqliteMetaStore(db),
    usedJourneys: new SqliteUsedJourneyStore(db),
    lockouts: new SqliteLockoutStore(db),
    description: location.kind === 'sqlite' ? `sqlite (${db.name})` : 'sqlite (in memory)',
    close: async () => {
      db.close();
    },
  };
}
