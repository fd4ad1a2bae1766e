import * as crypto from 'node:crypto';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Session tokens in AM's cookie-safe ("c66") shape:
 *
 *   AQIC5w<16 chars id><32 chars secret>.*AAJTSQACMDE.*
 *
 * The id (96 random bits) names the stored session; the secret (192 random bits) is the
 * credential and is kept only as its SHA-256 hash, compared in constant time. The tail
 * `.*AAJTSQACMDE.*` is AM's extension section (base64 of the `SI` → `01` server id pair),
 * kept so that tools which look at the token see the shape they expect.
 */
const TOKEN_PREFIX = 'AQIC5w';
const TOKEN_TAIL = '.*AAJTSQACMDE.*';
const ID_BYTES = 12;
const SECRET_BYTES = 24;
const ID_CHARS = (ID_BYTES / 3) * 4;
const SECRET_CHARS = (SECRET_BYTES / 3) * 4;
const TOKEN_LENGTH = TOKEN_PREFIX.length + ID_CHARS + SECRET_CHARS + TOKEN_TAIL.length;
const C66_BODY = /^[A-Za-z0-9_-]+$/;

export interface MintedToken {
  /** The whole token, as given to the client. */
  token: string;
  /** The public part that names the stored session. */
  id: string;
  /** SHA-256 of the secret part: the only form in which the credential is stored. */
  secretHash: Buffer;
}

export interface ParsedToken {
  id: string;
  secretHash: Buffer;
}

export function mintSessionToken(): MintedToken {
  const id = randomBytes(ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: `${TOKEN_PREFIX}${id}${secret}${TOKEN_TAIL}`, id, secretHash: sha256(secret) };
}

/** Splits a presented token; anything not in the exact minted shape is `undefined`. */
export function parseSessionToken(token: string | undefined): ParsedToken | undefined {
  if (token === undefined || token.length !== TOKEN_LENGTH) return undefined;
  if (!token.startsWith(TOKEN_PREFIX) || !token.endsWith(TOKEN_TAIL)) return undefined;
  const body = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + ID_CHARS + SECRET_CHARS);
  if (!C66_BODY.test(body)) return undefined;
  return { id: body.slice(0, ID_CHARS), secretHash: sha256(body.slice(ID_CHARS)) };
}

/** Session handles are not credentials: a distinct prefix means they never parse as tokens. */
export function mintSessionHandle(): string {
  return `shandle:${randomBytes(24).toString('base64url')}`;
}

/** Node's one-shot digest (20.12+): half the cost of a Hash object on the hot path. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256(value: string | Buffer): Buffer {
  // The digest as a 'binary' (latin1) string, one char per byte, and back: on Node 20 about
  // half the cost of asking `crypto.hash` for a Buffer; the bytes are the same.
  return oneShot
    ? Buffer.from(oneShot('sha256', value, 'binary'), 'binary')
    : createHash('sha256').update(value).digest();
}

/** Constant-time equality for two digests (lengths are public). */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A readable random password for the generated amAdmin account. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

let auditCounter = 0;
const auditPrefix = randomUUID();

/** AM's audit id (`AMCtxId`): `<uuid>-<counter>`; also reported by validate as `sessionUid`. */
export function nextAuditId(): string {
  auditCounter += 1;
  return `${auditPrefix}-${auditCounter}`;
}
