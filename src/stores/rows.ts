import type { StoredIdentity } from '../domain/identity/identity.js';
import type { StoredSession } from '../domain/sessions/session.js';

/**
 * The SQL row shapes shared by the SQLite and PostgreSQL stores (same column names), and their
 * mapping to domain records. JSON columns come back as text from SQLite and as objects from
 * PostgreSQL's jsonb; both are accepted.
 */
export interface SessionRow {
  id: string;
  secret_hash: Buffer;
  session_handle: string;
  universal_id: string;
  username: string;
  realm: string;
  creation_time: number;
  latest_access_time: number;
  max_idle_minutes: number;
  max_session_minutes: number;
  expires_at: number;
  properties: string | Record<string, string>;
}

export interface IdentityRow {
  realm: string;
  username: string;
  universal_id: string;
  status: string;
  password_hash: string | null;
  attributes: string | Record<string, string[]>;
  create_time: number;
  modify_time: number;
}

function json<T>(value: string | T): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

export function sessionFromRow(r: SessionRow): StoredSession {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    sessionHandle: r.session_handle,
    universalId: r.universal_id,
    username: r.username,
    realm: r.realm,
    creationTime: r.creation_time,
    latestAccessTime: r.latest_access_time,
    maxIdleMinutes: r.max_idle_minutes,
    maxSessionMinutes: r.max_session_minutes,
    expiresAt: r.expires_at,
    properties: json<Record<string, string>>(r.properties),
  };
}

/** A row with the JSON column as text (what both drivers accept as a parameter). */
export function sessionToRow(s: StoredSession): SessionRow & { properties: string } {
  return {
    id: s.id,
    secret_hash: s.secretHash,
    session_handle: s.sessionHandle,
    universal_id: s.universalId,
    username: s.username,
    realm: s.realm,
    creation_time: s.creationTime,
    latest_access_time: s.latestAccessTime,
    max_idle_minutes: s.maxIdleMinutes,
    max_session_minutes: s.maxSessionMinutes,
    expires_at: s.expiresAt,
    properties: JSON.stringify(s.properties),
  };
}

export function identityFromRow(r: IdentityRow): StoredIdentity {
  return {
    realm: r.realm,
    username: r.username,
    universalId: r.universal_id,
    status: r.status === 'Inactive' ? 'Inactive' : 'Active',
    passwordHash: r.password_hash ?? undefined,
    attributes: json<Record<string, string[]>>(r.attributes),
    createTime: r.create_time,
    modifyTime: r.modify_time,
  };
}

export function identityToRow(i: StoredIdentity): IdentityRow & { attributes: string } {
  return {
    realm: i.realm,
    username: i.username,
    universal_id: i.universalId,
    status: i.status,
    password_hash: i.passwordHash ?? null,
    attributes: JSON.stringify(i.attributes),
    create_time: i.createTime,
    modify_time: i.modifyTime,
  };
}
