import { describe, expect, it } from 'vitest';
import type { Realm } from '../../src/domain/realms/realm.js';
import { isAllowedProperty, isProtectedProperty } from '../../src/domain/sessions/properties.js';
import { realms } from './fixtures.js';

/** What login records about the session itself (AM's protected session properties). */
const PROTECTED = [
  'Host',
  'HostName',
  'AuthLevel',
  'AuthType',
  'Principal',
  'UserId',
  'UserToken',
  'Organization',
  'cookieSupport',
  'authInstant',
  'Principals',
  'loginURL',
  'FullLoginURL',
  'Role',
  'Service',
  'SessionTimedOut',
  'SessionHandle',
  'TokenRestriction',
  'AMMaxIdleTime',
  'AMMaxSessionTime',
  'AMCtxId',
  'sun.am.UniversalIdentifier',
];

const swapCase = (name: string) =>
  [...name].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('');

describe('isProtectedProperty', () => {
  it('protects what login records about the session', () => {
    for (const name of PROTECTED) expect(isProtectedProperty(name), name).toBe(true);
  });

  it('protects those names in any case', () => {
    for (const name of PROTECTED) {
      for (const spelling of [name.toLowerCase(), name.toUpperCase(), swapCase(name)]) {
        expect(isProtectedProperty(spelling), spelling).toBe(true);
      }
    }
    for (const spelling of [
      'amctxid',
      'AMCTXID',
      'AmCtxId',
      'authlevel',
      'AUTHLEVEL',
      'SUN.AM.UNIVERSALIDENTIFIER',
    ]) {
      expect(isProtectedProperty(spelling), spelling).toBe(true);
    }
  });

  it('protects every name starting with am.protected, in any case', () => {
    for (const name of [
      'am.protected',
      'am.protected.anything',
      'am.protected.x.y',
      'AM.PROTECTED.Thing',
      'Am.Protected.z',
    ]) {
      expect(isProtectedProperty(name), name).toBe(true);
    }
  });

  it('leaves other names alone, including near misses', () => {
    for (const name of [
      'MyProperty',
      'x',
      '',
      'AuthLevel2',
      'xAuthLevel',
      'AMCtxIdx',
      'sun.am.UniversalIdentifierX',
      'sun.am.universal',
      'my.am.protected.thing',
      'am-protected.x',
      'amprotected',
      ' AuthLevel',
    ]) {
      expect(isProtectedProperty(name), JSON.stringify(name)).toBe(false);
    }
  });
});

describe('isAllowedProperty', () => {
  const registry = realms([
    {
      path: '/alpha',
      session: { allowlist: ['MyProperty', 'other.prop', 'AuthLevel', 'amctxid', 'am.protected.x'] },
    },
    { path: '/bravo' },
  ]);
  const alpha = registry.byPath('/alpha') as Realm;
  const bravo = registry.byPath('/bravo') as Realm;

  it('allows an allow-listed, unprotected property', () => {
    expect(isAllowedProperty(alpha, 'MyProperty')).toBe(true);
    expect(isAllowedProperty(alpha, 'other.prop')).toBe(true);
  });

  it('refuses a property that is not allow-listed in that realm', () => {
    expect(isAllowedProperty(alpha, 'Unlisted')).toBe(false);
    expect(isAllowedProperty(bravo, 'MyProperty')).toBe(false);
  });

  it('refuses a protected property even when allow-listed, whatever the spelling', () => {
    for (const name of ['AuthLevel', 'amctxid', 'am.protected.x']) {
      expect(isAllowedProperty(alpha, name), name).toBe(false);
    }
  });
});
