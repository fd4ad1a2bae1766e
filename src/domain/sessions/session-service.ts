import { type Clock, isoSeconds } from '../../core/clock.js';
import {
  mintSessionHandle,
  mintSessionToken,
  nextAuditId,
  parseSessionToken,
  sameDigest,
} from '../../core/tokens.js';
import { fail } from '../errors.js';
import type { Realm } from '../realms/realm.js';
import { expiresAt, isLive, type Session } from './session.js';
import type { SessionStore } from './store.js';

export interface NewSession {
  universalId: string;
  username: string;
  realm: Realm;
  /** Extra properties set at login (AuthLevel, Service, …). */
  properties?: Record<string, string>;
}

export interface SessionServiceOptions {
  store: SessionStore;
  clock: Clock;
  /** AM's latest access time update frequency, in seconds (default 60). */
  updateFrequencySeconds: number;
  /**
   * Told of an idle-time write the store refused. It is not retried: the session's next use
   * writes again, since its recorded access is still the old one.
   */
  onTouchError?: (error: unknown) => void;
}

/**
 * Creates, resolves, refreshes and destroys sessions. Each operation reads the clock once.
 *
 * Idle-time writes (`touch`) are not waited for: the request that moves a session's latest access
 * time answers at once, and the store's write follows (as AM's CTS writes do). Until the store
 * has it, this service lays the new time over what the store returns, so that its own later
 * answers see it and the same window is not written twice. A store that stalls on writes (a
 * PostgreSQL checkpoint, a Redis fork) then no longer holds up `validate`.
 */
export class SessionService {
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #updateFrequencyMs: number;
  readonly #onTouchError: (error: unknown) => void;
  /** Session id → the latest access time being written for it. */
  readonly #accessBeingWritten = new Map<string, number>();
  readonly #writes = new Set<Promise<void>>();

  constructor(options: SessionServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#updateFrequencyMs = options.updateFrequencySeconds * 1000;
    this.#onTouchError = options.onTouchError ?? (() => {});
  }

  async create(input: NewSession): Promise<{ token: string; session: Session }> {
    const now = this.#clock.now();
    const { token, id, secretHash } = mintSessionToken();
    const session: Session = {
      id,
      sessionHandle: mintSessionHandle(),
      universalId: input.universalId,
      username: input.username,
      realm: input.realm.path,
      creationTime: now,
      latestAccessTime: now,
      maxIdleMinutes: input.realm.session.maxIdleMinutes,
      maxSessionMinutes: input.realm.session.maxSessionMinutes,
      properties: {
        ...input.properties,
        AMCtxId: nextAuditId(),
        Organization: input.realm.dn,
        'sun.am.UniversalIdentifier': input.universalId,
        UserId: input.username,
        Principal: input.universalId,
        authInstant: isoSeconds(now),
      },
    };
    const stored = { ...session, secretHash, expiresAt: expiresAt(session) };
    const quota = input.realm.session.quota;
    if (!quota) {
      await this.#store.insert(stored);
    } else {
      // The store ranks the user's sessions by their expiry as stored: the idle-time writes
      // under way land first (later ones do not hold the login up).
      if (this.#writes.size > 0) await Promise.all([...this.#writes]);
      const result = await this.#store.insertWithQuota(stored, quota, now);
      if (!result.inserted) fail('SessionLimitReached');
    }
    return { token, session };
  }

  /** The live session with this handle (handles name sessions; they are never credentials). */
  async byHandle(sessionHandle: string): Promise<Session | undefined> {
    const stored = await this.#store.getByHandle(sessionHandle);
    const session = stored && this.#current(stored);
    return session && isLive(session, this.#clock.now()) ? session : undefined;
  }

  /** A user's live sessions, oldest first. */
  async listForUser(universalId: string): Promise<Session[]> {
    const now = this.#clock.now();
    return (await this.#store.listByUniversalId(universalId))
      .map((s) => this.#current(s))
      .filter((s) => isLive(s, now));
  }

  /** Live sessions of exactly this realm, oldest first, at most `limit`. */
  async listInRealm(realm: string, limit: number): Promise<Session[]> {
    return (await this.#store.listByRealm(realm, this.#clock.now(), limit)).map((s) => this.#current(s));
  }

  /** Ends every session of a user; returns how many there were. */
  async destroyAllOf(universalId: string): Promise<number> {
    return this.#store.deleteByUniversalId(universalId);
  }

  /** Sets properties of a live session (`""` empties one), keeping the others; returns the session as changed. */
  async setProperties(
    session: Session,
    changes: Readonly<Record<string, string>>,
  ): Promise<Session | undefined> {
    const properties = await this.#store.mergeProperties(session.id, changes);
    return properties === undefined ? undefined : { ...session, properties };
  }

  /**
   * The live session a token stands for, or `undefined` for anything else: malformed, forged,
   * unknown, logged out or expired. Never changes the session.
   */
  async resolve(token: string | undefined): Promise<Session | undefined> {
    const parsed = parseSessionToken(token);
    if (!parsed) return undefined;
    const stored = await this.#store.get(parsed.id);
    if (!stored || !sameDigest(stored.secretHash, parsed.secretHash)) return undefined;
    const session = this.#current(stored);
    return isLive(session, this.#clock.now()) ? session : undefined;
  }

  /**
   * Marks activity on a live session (refresh, validate, …). As in AM 7+, the latest access time
   * moves only when more than the update frequency has passed since the last recorded access;
   * so writes are coalesced to at most one per session per window. Returns the session as it now
   * stands; the store's write is under way (see the class comment).
   */
  touch(session: Session): Session {
    const now = this.#clock.now();
    if (now - session.latestAccessTime <= this.#updateFrequencyMs) return session;
    const touched: Session = { ...session, latestAccessTime: now };
    this.#write(session.id, now, expiresAt(touched));
    return touched;
  }

  /** Waits for the idle-time writes under way (before the store is closed). */
  async settle(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes);
  }

  #write(id: string, latestAccessTime: number, expires: number): void {
    this.#accessBeingWritten.set(id, latestAccessTime);
    const write: Promise<void> = this.#store.touch(id, latestAccessTime, expires).then(
      () => this.#written(id, latestAccessTime, write),
      (error: unknown) => {
        this.#written(id, latestAccessTime, write);
        this.#onTouchError(error);
      },
    );
    this.#writes.add(write);
  }

  #written(id: string, latestAccessTime: number, write: Promise<void>): void {
    if (this.#accessBeingWritten.get(id) === latestAccessTime) this.#accessBeingWritten.delete(id);
    this.#writes.delete(write);
  }

  /** A stored session with the latest access time this service is writing for it, if later. */
  #current<T extends Session>(stored: T): T {
    if (this.#accessBeingWritten.size === 0) return stored;
    const latestAccessTime = this.#accessBeingWritten.get(stored.id);
    if (latestAccessTime === undefined || latestAccessTime <= stored.latestAccessTime) return stored;
    const moved = { ...stored, latestAccessTime };
    return 'expiresAt' in moved ? { ...moved, expiresAt: expiresAt(moved) } : moved;
  }

  async destroy(session: Session): Promise<boolean> {
    return this.#store.delete(session.id);
  }

  /** Deletes up to `limit` expired sessions; the sweeper calls this until it returns < limit. */
  async sweep(limit = 1000): Promise<number> {
    return this.#store.deleteExpired(this.#clock.now(), limit);
  }
}
