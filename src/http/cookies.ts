import type { Config } from '../config/schema.js';

/** The value of one cookie in a `Cookie` header (first occurrence), without parsing the rest. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

type CookieSettings = Config['cookie'];

/**
 * `Set-Cookie` values for the session cookie: one per configured domain, host-only when none;
 * `Path=/`, no `Expires` (a browser-session cookie, as AM sets it).
 */
export function sessionCookies(settings: CookieSettings, token: string): string[] {
  return withDomains(settings, `${settings.name}=${token}; Path=/`);
}

/** Cookies that make the browser forget the session cookie. */
export function clearedSessionCookies(settings: CookieSettings): string[] {
  return withDomains(settings, `${settings.name}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0`);
}

function withDomains(settings: CookieSettings, base: string): string[] {
  let attributes = '';
  if (settings.secure) attributes += '; Secure';
  if (settings.httpOnly) attributes += '; HttpOnly';
  if (settings.sameSite !== 'off') attributes += `; SameSite=${settings.sameSite}`;
  if (settings.domains.length === 0) return [base + attributes];
  return settings.domains.map((domain) => `${base}; Domain=${domain}${attributes}`);
}
