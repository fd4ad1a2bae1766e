import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  mintSessionHandle,
  mintSessionToken,
  nextAuditId,
  parseSessionToken,
  randomBuffer,
  randomPassword,
  randomSecret,
  sameDigest,
  sha256,
} from '../../src/core/tokens.js';
import { replaceAt } from './fixtures.js';

const TOKEN_SHAPE = /^AQIC5w[A-Za-z0-9_-]{48}\.\*AAJTSQACMDE\.\*$/;
/** AM's cookie-safe alphabet: letters, digits and `-_.*` (66 characters). */
const C66 = /^[A-Za-z0-9\-_.*]+$/;
const PREFIX = 'AQIC5w';
const ID_CHARS = 16;
const SECRET_CHARS = 32;

const secretOf = (token: string) =>
  token.slice(PREFIX.length + ID_CHARS, PREFIX.length + ID_CHARS + SECRET_CHARS);
const idOf = (token: string) => token.slice(PREFIX.length, PREFIX.length + ID_CHARS);

describe('mintSessionToken', () => {
  it('has the AM c66 shape', () => {
    for (let i = 0; i < 200; i += 1) expect(mintSessionToken().token).toMatch(TOKEN_SHAPE);
  });

  it('uses only the 66 cookie-safe characters (checklist 132)', () => {
    for (let i = 0; i < 200; i += 1) {
      const { token } = mintSessionToken();
      expect(token).toMatch(C66);
      expect(token).not.toMatch(/[+/=%;,\s"]/);
    }
  });

  it('returns the id it embeds and the SHA-256 of the secret part', () => {
    const { token, id, secretHash } = mintSessionToken();
    expect(idOf(token)).toBe(id);
    expect(secretHash.equals(sha256(secretOf(token)))).toBe(true);
    expect(secretHash).toHaveLength(32);
  });

  it('carries at least 128 bits of secret', () => {
    const { token } = mintSessionToken();
    const secretBits = Buffer.from(secretOf(token), 'base64url').length * 8;
    expect(secretBits).toBeGreaterThanOrEqual(128);
  });

  it('draws every secret character at random (no constant positions, no repeats)', () => {
    const tokens = Array.from({ length: 300 }, () => mintSessionToken().token);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(new Set(tokens.map(idOf)).size).toBe(tokens.length);
    for (let position = 0; position < SECRET_CHARS; position += 1) {
      const seen = new Set(tokens.map((t) => secretOf(t)[position]));
      // 300 draws from 64 symbols: a random position shows far more than 20 distinct characters.
      expect(seen.size, `secret position ${position}`).toBeGreaterThan(20);
    }
  });
});

describe('sha256', () => {
  it('is the SHA-256 digest of the UTF-8 bytes, as node:crypto computes it', () => {
    for (const value of ['', 'abc', 'x'.repeat(1000), 'grüße ✓ 𝄞', Buffer.from([0, 255, 128, 10])]) {
      const expected = createHash('sha256').update(value).digest();
      const actual = sha256(value);
      expect(Buffer.isBuffer(actual)).toBe(true);
      expect(actual.equals(expected)).toBe(true);
    }
    expect(sha256('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('parseSessionToken', () => {
  it('reads back the id and secret hash of a minted token', () => {
    const minted = mintSessionToken();
    const parsed = parseSessionToken(minted.token);
    expect(parsed?.id).toBe(minted.id);
    expect(parsed && sameDigest(parsed.secretHash, minted.secretHash)).toBe(true);
  });

  it('rejects undefined, empty and foreign strings', () => {
    for (const value of [undefined, '', 'AQIC5w', 'not a token', 'AQIC5wnotatoken']) {
      expect(parseSessionToken(value), String(value)).toBeUndefined();
    }
  });

  it('rejects a truncated or extended token', () => {
    const { token } = mintSessionToken();
    expect(parseSessionToken(token.slice(0, -1))).toBeUndefined();
    expect(parseSessionToken(token.slice(1))).toBeUndefined();
    expect(parseSessionToken(`${token}A`)).toBeUndefined();
    expect(parseSessionToken(`A${token}`)).toBeUndefined();
  });

  it('rejects a change of any single character: unparseable, or another id or secret', () => {
    const minted = mintSessionToken();
    for (let i = 0; i < minted.token.length; i += 1) {
      for (const replacement of [undefined, '+', '/', '=', '.', '*', ' ']) {
        const tampered = replaceAt(minted.token, i, replacement);
        if (tampered === minted.token) continue;
        const parsed = parseSessionToken(tampered);
        const same =
          parsed !== undefined && parsed.id === minted.id && sameDigest(parsed.secretHash, minted.secretHash);
        expect(same, `position ${i} → ${JSON.stringify(replacement ?? 'A/B')}`).toBe(false);
      }
    }
  });

  it('rejects non-c66 characters in the body even at the right length', () => {
    const { token } = mintSessionToken();
    for (const bad of ['+', '/', '=', '.', '*', '%', 'é']) {
      expect(parseSessionToken(replaceAt(token, 10, bad)), bad).toBeUndefined();
      expect(parseSessionToken(replaceAt(token, 40, bad)), bad).toBeUndefined();
    }
  });

  it('rejects a changed prefix or tail', () => {
    const { token } = mintSessionToken();
    expect(parseSessionToken(`AQIC5x${token.slice(6)}`)).toBeUndefined();
    expect(parseSessionToken(`${token.slice(0, -3)}X.*`)).toBeUndefined();
    expect(parseSessionToken(`${token.slice(0, -15)}.*AAJTSQACMDF.*`)).toBeUndefined();
  });
});

describe('session handles (checklist 131)', () => {
  it('have the shandle: prefix and are unique', () => {
    const handles = Array.from({ length: 100 }, mintSessionHandle);
    for (const h of handles) expect(h).toMatch(/^shandle:[A-Za-z0-9_-]{32}$/);
    expect(new Set(handles).size).toBe(handles.length);
  });

  it('never parse as session tokens, even dressed in the token prefix and tail', () => {
    for (let i = 0; i < 100; i += 1) {
      const handle = mintSessionHandle();
      expect(parseSessionToken(handle)).toBeUndefined();
      expect(parseSessionToken(`AQIC5w${handle}.*AAJTSQACMDE.*`)).toBeUndefined();
    }
  });
});

describe('digests and random values', () => {
  it('sha256 hashes strings and buffers alike', () => {
    expect(sha256('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256(Buffer.from('abc')).equals(sha256('abc'))).toBe(true);
  });

  it('sameDigest compares contents and refuses different lengths', () => {
    expect(sameDigest(sha256('a'), sha256('a'))).toBe(true);
    expect(sameDigest(sha256('a'), sha256('b'))).toBe(false);
    expect(sameDigest(sha256('a'), sha256('a').subarray(0, 31))).toBe(false);
  });

  it('randomSecret and randomPassword are url-safe, sized and unique', () => {
    expect(Buffer.from(randomSecret(), 'base64url')).toHaveLength(32);
    expect(Buffer.from(randomSecret(16), 'base64url')).toHaveLength(16);
    expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(randomSecret()).not.toBe(randomSecret());
    expect(randomPassword()).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(randomPassword()).not.toBe(randomPassword());
  });

  it('nextAuditId is <uuid>-<counter>, counting up', () => {
    const a = nextAuditId();
    const b = nextAuditId();
    const shape = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-(\d+)$/;
    const ma = shape.exec(a);
    const mb = shape.exec(b);
    expect(ma).not.toBeNull();
    expect(mb?.[1]).toBe(ma?.[1]);
    expect(Number(mb?.[2])).toBe(Number(ma?.[2]) + 1);
  });
});

describe('the pool of random bytes', () => {
  it('hands out every byte once: draws across many refills never repeat', () => {
    // 20,000 draws of 16 bytes: eighty refills of the 4 KiB pool.
    const seen = new Set(Array.from({ length: 20_000 }, () => randomSecret(16)));
    expect(seen.size).toBe(20_000);
    for (const value of [...seen].slice(0, 100)) expect(value).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('gives each Buffer bytes of its own, and draws that straddle a refill whole', () => {
    const buffers = Array.from({ length: 1000 }, () => randomBuffer(12));
    const first = Buffer.from(buffers[0] as Buffer);
    randomBuffer(12).fill(0xff);
    expect(buffers[0]).toEqual(first);
    expect(new Set(buffers.map((b) => b.toString('hex'))).size).toBe(1000);
    for (const b of buffers) expect(b).toHaveLength(12);
    // Sizes that do not divide the pool: every draw still has all its bytes.
    for (let i = 0; i < 2000; i++) expect(Buffer.from(randomSecret(23), 'base64url')).toHaveLength(23);
  });

  it('draws a large request straight from the CSPRNG', () => {
    expect(randomBuffer(8192)).toHaveLength(8192);
    expect(Buffer.from(randomSecret(5000), 'base64url')).toHaveLength(5000);
  });
});
