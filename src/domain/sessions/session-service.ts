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
}

/**
 * Creates, resolves, refreshes and destroys sessions. Each operation reads the clock once.
 */
export class SessionService {
  readonly #store: SessionStore;
  readonly #clock: Clock;
  readonly #updateFrequencyMs: number;

  constructor(options: SessionServiceOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#updateFrequencyMs = options.updateFrequencySeconds * 1000;
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
      const result = await this.#store.insertWithQuota(stored, quota, now);
      if (!result.inserted) fail('SessionLimitReached');
    }
    return { token, session };
  }

  /** The live session with this handle (handles name sessions; they are never credentials). */
  async byHandle(sessionHandle: string): Promise<Session | undefined> {
    const stored = await this.#store.getByHandle(sessionHandle);
    return stored && isLive(stored, this.#clock.now()) ? stored : undefined;
  }

  /** A user's live sessions, oldest first. */
  async listForUser(universalId: string): Promise<Session[]> {
    const now = this.#clock.now();
    return (await this.#store.listByUniversalId(universalId)).filter((s) => isLive(s, now));
  }

  /** Live sessions of exactly this realm, oldest first, at most `limit`. */
  async listInRealm(realm: string, limit: number): Promise<Session[]> {
    return this.#store.listByRealm(realm, this.#clock.now(), limit);
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
    if (!isLive(stored, this.#clock.now())) return undefined;
    return stored;
  }

  /**
   * Marks activity on a live session (refresh, validate, …). As in AM 7+, the latest access time
   * moves only when more than the update frequency has passed since the last recorded access;
   * so writes are coalesced to at most one per session per window.
   */
  async touch(session: Session): Promise<Session> {
    const now = this.#clock.now();
    if (now - session.latestAccessTime <= this.#updateFrequencyMs) return session;
    const touched: Session = { ...session, latestAccessTime: now };
    const stillThere = await this.#store.touch(session.id, now, expiresAt(touched));
    return stillThere ? touched : session;
  }

  async destroy(session: Session): Promise<boolean> {
    return this.#store.delete(session.id);
  }

  /** Deletes up to `limit` expired sessions; the sweeper calls this until it returns < limit. */
  async sweep(limit = 1000): Promise<number> {
    return this.#store.deleteExpired(this.#clock.now(), limit);
  }
}
