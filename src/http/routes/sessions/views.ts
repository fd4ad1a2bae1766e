import { isoSeconds } from '../../../core/clock.js';
import {
  idleSeconds,
  maxIdleExpirationTime,
  maxSessionExpirationTime,
  type Session,
  timeLeftSeconds,
} from '../../../domain/sessions/session.js';
import { atLeast, type Version } from '../../crest/api-version.js';

/** AM's wire shapes for a session, per action and resource version (key order matters to clients). */

export function validView(session: Session) {
  return {
    valid: true,
    sessionUid: session.properties.AMCtxId ?? '',
    uid: session.username,
    realm: session.realm,
  };
}

export const INVALID = Object.freeze({ valid: false });

/** `refresh`: minutes for the limits, seconds for `idletime` and `maxtime`. */
export function refreshView(session: Session, now: number) {
  return {
    uid: session.username,
    realm: session.realm,
    idletime: idleSeconds(session, now),
    maxidletime: session.maxIdleMinutes,
    maxsessiontime: session.maxSessionMinutes,
    maxtime: timeLeftSeconds(session, now),
  };
}

/** `getSessionInfo`: `sessionHandle` before 4.0, `properties` from 4.0 on. */
export function infoView(session: Session, version: Version, queryProperties: readonly string[]) {
  const latestAccessTime = isoSeconds(session.latestAccessTime);
  const maxIdle = isoSeconds(maxIdleExpirationTime(session));
  const maxSession = isoSeconds(maxSessionExpirationTime(session));
  if (!atLeast(version, 4)) {
    return {
      username: session.username,
      universalId: session.universalId,
      realm: session.realm,
      sessionHandle: session.sessionHandle,
      latestAccessTime,
      maxIdleExpirationTime: maxIdle,
      maxSessionExpirationTime: maxSession,
    };
  }
  return {
    username: session.username,
    universalId: session.universalId,
    realm: session.realm,
    latestAccessTime,
    maxIdleExpirationTime: maxIdle,
    maxSessionExpirationTime: maxSession,
    properties: pick(session.properties, queryProperties),
  };
}

/** The named properties, `""` for the ones not set. */
export function pick(properties: Readonly<Record<string, string>>, names: readonly string[]) {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = properties[name] ?? '';
  return out;
}
