import * as crypto from 'node:crypto';
import { createHash, randomBytes, randomFillSync, randomUUID, timingSafeEqual } from 'node:crypto';

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
  const id = randomSecret(ID_BYTES);
  const secret = randomSecret(SECRET_BYTES);
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
  return `shandle:${randomSecret(24)}`;
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

/**
 * Random bytes are drawn from a pool of the CSPRNG's output, refilled 4 KiB at a time: each
 * `randomBytes` call is a round through Node's crypto job and OpenSSL's fork check (a `getpid`
 * per call), ≈ 4 µs alone and several times that under load, and a journey login draws five.
 * Each byte is handed out once and wiped from the pool as it goes. Node's own `randomUUID` pools
 * its entropy the same way. (A process that forked would share the pool; Node never forks one.)
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** Where the next `bytes` fresh random bytes sit in the pool (refilled when it runs out). */
function draw(bytes: number): number {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += bytes;
  return at;
}

/** `bytes` random bytes from the CSPRNG, base64url-encoded. */
export function randomSecret(bytes = 32): string {
  if (bytes > POOL_BYTES / 4) return randomBytes(bytes).toString('base64url');
  const at = draw(bytes);
  const text = pool.toString('base64url', at, at + bytes);
  pool.fill(0, at, at + bytes);
  return text;
}

/** `bytes` random bytes from the CSPRNG, in a Buffer of their own. */
export function randomBuffer(bytes: number): Buffer {
  if (bytes > POOL_BYTES / 4) return randomBytes(bytes);
  const at = draw(bytes);
  const copy = Buffer.from(pool.subarray(at, at + bytes));
  pool.fill(0, at, at + bytes);
  return copy;
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
