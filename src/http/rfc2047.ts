/**
 * Decodes RFC 2047 encoded words as AM does for `X-OpenAM-Username`/`X-OpenAM-Password`:
 * `=?UTF-8?B?yZfDq8mxw7g=?=` (base64) and `=?UTF-8?Q?caf=C3=A9?=` (quoted-printable). Text that is
 * not an encoded word passes through unchanged.
 */
const ENCODED_WORD = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;

export function decodeRfc2047(value: string): string {
  if (!value.includes('=?')) return value;
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(ENCODED_WORD, (word, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              'latin1',
            );
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch {
        return word;
      }
    });
}
