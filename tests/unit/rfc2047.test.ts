import { describe, expect, it } from 'vitest';
import { decodeRfc2047 } from '../../src/http/rfc2047.js';

describe('decodeRfc2047', () => {
  it('decodes a base64 (B) encoded word', () => {
    expect(decodeRfc2047('=?UTF-8?B?yZfDq8mxw7g=?=')).toBe('ɗëɱø');
  });

  it('accepts lower-case encoding letters and charset names', () => {
    expect(decodeRfc2047('=?utf-8?b?yZfDq8mxw7g=?=')).toBe('ɗëɱø');
    expect(decodeRfc2047('=?utf-8?q?caf=c3=a9?=')).toBe('café');
  });

  it('decodes a quoted-printable (Q) encoded word, underscores being spaces', () => {
    expect(decodeRfc2047('=?UTF-8?Q?caf=C3=A9?=')).toBe('café');
    expect(decodeRfc2047('=?UTF-8?Q?Ch4ng3_1t=21?=')).toBe('Ch4ng3 1t!');
  });

  it('decodes other charsets', () => {
    expect(decodeRfc2047('=?ISO-8859-1?Q?caf=E9?=')).toBe('café');
    expect(decodeRfc2047('=?ISO-8859-1?B?Y2Fm6Q==?=')).toBe('café');
  });

  it('leaves plain text untouched, including text that looks a little like an encoded word', () => {
    for (const plain of ['demo', 'Ch4ng31t!', 'ɗëɱø', 'a=b', '=?', '?=', '=?UTF-8?X?abc?=', 'p@ss=?word']) {
      expect(decodeRfc2047(plain), plain).toBe(plain);
    }
  });

  it('keeps text around an encoded word', () => {
    expect(decodeRfc2047('user-=?UTF-8?B?w6k=?=-x')).toBe('user-é-x');
  });

  it('joins adjacent encoded words separated by white space', () => {
    expect(decodeRfc2047('=?UTF-8?B?yZfDqw==?= =?UTF-8?B?ybHDuA==?=')).toBe('ɗëɱø');
    expect(decodeRfc2047('=?UTF-8?Q?a?=  =?UTF-8?Q?b?=')).toBe('ab');
  });

  it('leaves a word in an unknown charset as it was', () => {
    expect(decodeRfc2047('=?X-NOPE?B?YWJj?=')).toBe('=?X-NOPE?B?YWJj?=');
  });
});
