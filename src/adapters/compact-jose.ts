import { createCipheriv, createDecipheriv, createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { randomBuffer } from '../core/tokens.js';

/**
 * The two compact JOSE forms an `authId` uses, on node:crypto: a JWS signed with HS256
 * (RFC 7515/7518) and a JWE with direct A256GCM encryption (RFC 7516/7518). Only these two
 * algorithms exist here: a header naming any other, or with `crit`, is refused, so no token can
 * choose how it is checked. Every base64url part must be canonical, and the signature is compared
 * in constant time. (jose, which the tests use to cross-check both forms, does the same work
 * through WebCrypto: a seal and an open of one `authId` cost ~480 µs of CPU there, ~75 µs here.)
 */

/** The token is not in the expected shape (parts, base64url, JSON, algorithm). */
export class JoseFormatError extends Error {}

/** The JWS is well formed but its signature is not this key's. */
export class JoseSignatureError extends Error {}

const JWS_HEADER = encodeJson({ typ: 'JWT', alg: 'HS256' });
const JWE_HEADER = encodeJson({ alg: 'dir', enc: 'A256GCM' });
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HS256_BYTES = 32;

export function signHs256(claims: Record<string, unknown>, key: KeyObject): string {
  const input = `${JWS_HEADER}.${encodeJson(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** The claims of an HS256 JWS made with `key`. */
export function verifyHs256(token: string, key: KeyObject): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JoseFormatError('Invalid Compact JWS');
  const [header, payload, signature] = parts as [string, string, string];
  const protectedHeader = decodeJson(header, 'protected header');
  if (protectedHeader.crit !== undefined) throw new JoseFormatError('"crit" is not supported');
  if (protectedHeader.alg !== 'HS256')
    throw new JoseFormatError('"alg" (Algorithm) Header Parameter value not allowed');
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = decode(signature, 'signature');
  if (given.length !== HS256_BYTES || !timingSafeEqual(given, expected)) {
    throw new JoseSignatureError('signature verification failed');
  }
  return decodeJson(payload, 'payload');
}

export function encryptDirA256Gcm(plaintext: string, key: KeyObject): string {
  const iv = randomBuffer(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(JWE_HEADER, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${JWE_HEADER}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** The plaintext of a direct A256GCM JWE made with `key`; any change to it fails. */
export function decryptDirA256Gcm(token: string, key: KeyObject): string {
  const parts = token.split('.');
  if (parts.length !== 5) throw new JoseFormatError('Invalid Compact JWE');
  const [header, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const protectedHeader = decodeJson(header, 'protected header');
  if (protectedHeader.crit !== undefined || protectedHeader.zip !== undefined) {
    throw new JoseFormatError('"crit" and "zip" are not supported');
  }
  if (protectedHeader.alg !== 'dir' || protectedHeader.enc !== 'A256GCM' || encryptedKey !== '') {
    throw new JoseFormatError('"alg" / "enc" Header Parameter values not allowed');
  }
  const ivBytes = decode(iv, 'initialization vector');
  const tagBytes = decode(tag, 'authentication tag');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new JoseFormatError('Invalid JWE');
  const decipher = createDecipheriv('aes-256-gcm', key, ivBytes);
  decipher.setAAD(Buffer.from(header, 'ascii'));
  decipher.setAuthTag(tagBytes);
  try {
    return Buffer.concat([decipher.update(decode(ciphertext, 'ciphertext')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new JoseFormatError('decryption operation failed');
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** base64url without padding, in its one canonical spelling (unused trailing bits zero). */
function decode(part: string, what: string): Buffer {
  const bytes = BASE64URL.test(part) ? Buffer.from(part, 'base64url') : undefined;
  if (bytes === undefined || bytes.toString('base64url') !== part) {
    throw new JoseFormatError(`Failed to base64url decode the ${what}`);
  }
  return bytes;
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decode(part, what).toString('utf8'));
  } catch (error) {
    if (error instanceof JoseFormatError) throw error;
    throw new JoseFormatError(`Failed to parse the ${what} as JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JoseFormatError(`The ${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
