/**
 * A server-side session, in AM's terms. Times are epoch milliseconds; the timeouts are minutes,
 * as AM keeps them. Whether a session is valid is always decided here, from the clock: store
 * TTLs and the sweeper only collect garbage.
 */
export interface Session {
  /** Public half of the token: names the stored session, is not a credential. */
  id: string;
  /** `shandle:…`: lets admins refer to a session without holding its token. */
  sessionHandle: string;
  universalId: string;
  username: string;
  /** Realm path of the identity, e.g. `/alpha`. */
  realm: string;
  creationTime: number;
  latestAccessTime: number;
  maxIdleMinutes: number;
  maxSessionMinutes: number;
  properties: Readonly<Record<string, string>>;
}

/** What a store keeps: the session, the hash of its secret, and the instant it expires. */
export interface StoredSession extends Session {
  secretHash: Buffer;
  /** `min(maxIdleExpiration, maxSessionExpiration)`: what the sweeper indexes. */
  expiresAt: number;
}

const MINUTE = 60_000;

export function maxIdleExpirationTime(session: Session): number {
  return session.latestAccessTime + session.maxIdleMinutes * MINUTE;
}

export function maxSessionExpirationTime(session: Session): number {
  return session.creationTime + session.maxSessionMinutes * MINUTE;
}

export function expiresAt(session: Session): number {
  return Math.min(maxIdleExpirationTime(session), maxSessionExpirationTime(session));
}

/** AM: invalid when `now ≥ creation + maxSessionTime` or `now ≥ latestAccess + maxIdleTime`. */
export function isLive(session: Session, now: number): boolean {
  return now < expiresAt(session);
}

/** Whole seconds since the last recorded access. */
export function idleSeconds(session: Session, now: number): number {
  return Math.max(0, Math.floor((now - session.latestAccessTime) / 1000));
}

/** Whole seconds until the max session time is reached; never negative. */
export function timeLeftSeconds(session: Session, now: number): number {
  return Math.max(0, Math.floor((maxSessionExpirationTime(session) - now) / 1000));
}
