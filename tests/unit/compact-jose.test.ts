import { createSecretKey } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  decryptDirA256Gcm,
  encryptDirA256Gcm,
  JoseFormatError,
  JoseSignatureError,
  signHs256,
  verifyHs256,
} from '../../src/adapters/compact-jose.js';
import { replaceAt } from './fixtures.js';

// jose (the reference implementation) checks that both forms are the standard ones, both ways.
const SECRET = Buffer.from('a journey secret of some length, 43 chars..', 'utf8');
const signingKey = createSecretKey(SECRET);
const AES = Buffer.alloc(32, 7);
const encryptionKey = createSecretKey(AES);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('HS256 JWS (compact-jose)', () => {
  const claims = {
    otk: 'x1',
    realm: 'o=alpha,ou=services,ou=am-config',
    state: 'é…',
    iat: 1,
    exp: 4102444800,
  };

  it('signs what jose verifies, and verifies what jose signs', async () => {
    const ours = signHs256(claims, signingKey);
    expect((await jwtVerify(ours, SECRET, { algorithms: ['HS256'] })).payload).toEqual(claims);
    const theirs = await new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'HS256' }).sign(SECRET);
    expect(verifyHs256(theirs, signingKey)).toEqual(claims);
  });

  it('refuses another key, and any changed part, as a bad signature', () => {
    const token = signHs256(claims, signingKey);
    expect(() => verifyHs256(token, createSecretKey(Buffer.from('another secret')))).toThrow(
      JoseSignatureError,
    );
    const [header, , signature] = token.split('.');
    expect(() =>
      verifyHs256(`${header}.${b64({ ...claims, exp: 4102444801 })}.${signature}`, signingKey),
    ).toThrow(JoseSignatureError);
    const signatureStart = token.lastIndexOf('.') + 1;
    for (let offset = 0; offset < 43; offset += 1) {
      // The last character's two spare bits make a different spelling of the same bytes: refused too.
      expect(
        () => verifyHs256(replaceAt(token, signatureStart + offset), signingKey),
        `offset ${offset}`,
      ).toThrow();
    }
  });

  it('refuses other algorithms, `crit`, and tokens that are not three base64url JSON parts', () => {
    const payload = b64(claims);
    const signed = (header: unknown) => {
      const token = signHs256(claims, signingKey);
      return `${b64(header)}.${payload}.${token.split('.')[2]}`;
    };
    for (const header of [
      { alg: 'none' },
      { typ: 'JWT', alg: 'HS512' },
      { typ: 'JWT', alg: 'RS256' },
      { typ: 'JWT', alg: 'HS256', crit: ['exp'], exp: 1 },
      ['HS256'],
    ]) {
      expect(() => verifyHs256(signed(header), signingKey), JSON.stringify(header)).toThrow(JoseFormatError);
    }
    expect(() => verifyHs256(`${b64({ alg: 'none' })}.${payload}.`, signingKey)).toThrow(JoseFormatError);
    for (const garbage of [
      '',
      'a.b',
      'a.b.c.d',
      'e30.e30.',
      '!!!.e30.abc',
      'eyJ.e30.abc',
      `${b64({ alg: 'HS256' })}.bm90IGpzb24.x`,
    ]) {
      expect(() => verifyHs256(garbage, signingKey), garbage).toThrow(JoseFormatError);
    }
  });
});

describe('dir A256GCM JWE (compact-jose)', () => {
  const text = JSON.stringify({ realm: '/alpha', data: { password: 'p4ss wörd' } });

  it('encrypts what jose decrypts, and decrypts what jose encrypts', async () => {
    const ours = encryptDirA256Gcm(text, encryptionKey);
    expect(new TextDecoder().decode((await compactDecrypt(ours, AES)).plaintext)).toBe(text);
    const theirs = await new CompactEncrypt(new TextEncoder().encode(text))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(AES);
    expect(decryptDirA256Gcm(theirs, encryptionKey)).toBe(text);
  });

  it('uses a fresh IV each time, and hides the plaintext', () => {
    const one = encryptDirA256Gcm(text, encryptionKey);
    const two = encryptDirA256Gcm(text, encryptionKey);
    expect(one.split('.')[2]).not.toBe(two.split('.')[2]);
    expect(Buffer.from(one.split('.')[3] ?? '', 'base64url').toString('latin1')).not.toContain('p4ss');
  });

  it('refuses any change, another key, other algorithms and malformed parts', () => {
    const token = encryptDirA256Gcm(text, encryptionKey);
    const [header, , iv, ciphertext, tag] = token.split('.') as [string, string, string, string, string];
    expect(() => decryptDirA256Gcm(token, createSecretKey(Buffer.alloc(32, 8)))).toThrow(JoseFormatError);
    for (const part of [0, 2, 3, 4]) {
      const start = token.split('.').slice(0, part).join('.').length + (part > 0 ? 1 : 0);
      expect(() => decryptDirA256Gcm(replaceAt(token, start + 1), encryptionKey), `part ${part}`).toThrow(
        JoseFormatError,
      );
    }
    const rest = `.${iv}.${ciphertext}.${tag}`;
    for (const other of [
      { alg: 'dir', enc: 'A128GCM' },
      { alg: 'A256KW', enc: 'A256GCM' },
      { alg: 'dir', enc: 'A256GCM', zip: 'DEF' },
      { alg: 'dir', enc: 'A256GCM', crit: ['x'], x: 1 },
    ]) {
      expect(() => decryptDirA256Gcm(`${b64(other)}.${rest}`, encryptionKey), JSON.stringify(other)).toThrow(
        JoseFormatError,
      );
    }
    expect(() => decryptDirA256Gcm(`${header}.AAAA.${iv}.${ciphertext}.${tag}`, encryptionKey)).toThrow(
      JoseFormatError,
    );
    expect(() =>
      decryptDirA256Gcm(`${header}..${iv.slice(0, 8)}.${ciphertext}.${tag}`, encryptionKey),
    ).toThrow(JoseFormatError);
    expect(() =>
      decryptDirA256Gcm(`${header}..${iv}.${ciphertext}.${tag.slice(0, 12)}`, encryptionKey),
    ).toThrow(JoseFormatError);
    expect(() => decryptDirA256Gcm('a.b.c.d', encryptionKey)).toThrow(JoseFormatError);
  });
});
