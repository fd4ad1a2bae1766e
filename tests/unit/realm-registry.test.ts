import { describe, expect, it } from 'vitest';
import { realmDn } from '../../src/domain/realms/realm.js';
import { type RealmDefinition, RealmDefinitionError } from '../../src/domain/realms/realm-registry.js';
import { DEFAULT_SESSION_SETTINGS, realms } from './fixtures.js';

const tree = () =>
  realms([
    { path: '/', aliases: ['root.example.com'] },
    { path: '/alpha', aliases: ['a', 'alpha.example.com'] },
    { path: '/bravo', active: false, session: { maxIdleMinutes: 10 } },
    { path: '/bravo/inner', session: { maxSessionMinutes: 60 } },
    { path: '/customers' },
    { path: '/customers/europe', aliases: ['eu'] },
    { path: '/partners' },
    { path: '/partners/Europe' },
  ]);

/** The defaults as a realm sees them: the quota, being off, resolves to undefined. */
const RESOLVED = { ...DEFAULT_SESSION_SETTINGS, quota: undefined };

describe('RealmRegistry', () => {
  describe('root', () => {
    it('always exists, with path /, empty name and the am-config DN', () => {
      const registry = realms([]);
      expect(registry.root.path).toBe('/');
      expect(registry.root.name).toBe('');
      expect(registry.root.parent).toBeUndefined();
      expect(registry.root.dn).toBe('ou=am-config');
      expect(registry.root.active).toBe(true);
      expect(registry.root.session).toEqual(RESOLVED);
      expect(registry.all()).toEqual([registry.root]);
    });

    it('is found by path /, the empty path and slashes', () => {
      const registry = tree();
      for (const path of ['/', '', '//']) expect(registry.byPath(path), path).toBe(registry.root);
    });
  });

  describe('children', () => {
    it('builds the tree with parents, names and DNs', () => {
      const registry = tree();
      const inner = registry.byPath('/bravo/inner');
      const bravo = registry.byPath('/bravo');
      expect(inner?.name).toBe('inner');
      expect(inner?.parent).toBe(bravo);
      expect(bravo?.parent).toBe(registry.root);
      expect(inner?.dn).toBe('o=inner,o=bravo,ou=services,ou=am-config');
      expect(realmDn('/alpha')).toBe('o=alpha,ou=services,ou=am-config');
      expect(registry.all().map((r) => r.path)).toEqual([
        '/',
        '/alpha',
        '/bravo',
        '/bravo/inner',
        '/customers',
        '/customers/europe',
        '/partners',
        '/partners/Europe',
      ]);
    });

    it('finds a child of a given parent, case-insensitively', () => {
      const registry = tree();
      const bravo = registry.byPath('/bravo');
      if (!bravo) throw new Error('no /bravo');
      expect(registry.child(registry.root, 'ALPHA')).toBe(registry.byPath('/alpha'));
      expect(registry.child(bravo, 'Inner')).toBe(registry.byPath('/bravo/inner'));
      expect(registry.child(registry.root, 'inner')).toBeUndefined();
      expect(registry.child(bravo, 'alpha')).toBeUndefined();
    });

    it('inherits session settings from the parent, realm values winning', () => {
      const registry = tree();
      expect(registry.byPath('/alpha')?.session).toEqual(RESOLVED);
      expect(registry.byPath('/bravo')?.session).toEqual({ ...RESOLVED, maxIdleMinutes: 10 });
      expect(registry.byPath('/bravo/inner')?.session).toEqual({
        ...RESOLVED,
        maxIdleMinutes: 10,
        maxSessionMinutes: 60,
      });
    });

    it('resolves quotas: off unless enabled, each part inherited by sub-realms', () => {
      const registry = realms([
        { path: '/q', session: { quota: { enabled: true, limit: 2 } } },
        { path: '/q/sub', session: { quota: { action: 'DENY_ACCESS' } } },
        { path: '/q/off', session: { quota: { enabled: false } } },
      ]);
      expect(registry.root.session.quota).toBeUndefined();
      expect(registry.byPath('/q')?.session.quota).toEqual({ limit: 2, action: 'DESTROY_NEXT_EXPIRING' });
      expect(registry.byPath('/q/sub')?.session.quota).toEqual({ limit: 2, action: 'DENY_ACCESS' });
      expect(registry.byPath('/q/off')?.session.quota).toBeUndefined();
    });

    it('ignores undefined session values instead of erasing the inherited ones', () => {
      // A configuration file may spell an optional value out as undefined/null-ish.
      const session = { maxIdleMinutes: undefined } as unknown as RealmDefinition['session'];
      const registry = realms([{ path: '/x', session }]);
      expect(registry.byPath('/x')?.session.maxIdleMinutes).toBe(30);
    });

    it('records active flags and aliases', () => {
      const registry = tree();
      expect(registry.byPath('/bravo')?.active).toBe(false);
      expect(registry.byPath('/bravo/inner')?.active).toBe(true);
      expect(registry.byPath('/alpha')?.aliases).toEqual(['a', 'alpha.example.com']);
    });
  });

  describe('lookups', () => {
    it('finds paths case-insensitively, with or without leading and trailing slashes', () => {
      const registry = tree();
      const inner = registry.byPath('/bravo/inner');
      expect(inner).toBeDefined();
      for (const path of ['/BRAVO/Inner', 'bravo/inner', '/bravo/inner/', '/Bravo/INNER//']) {
        expect(registry.byPath(path), path).toBe(inner);
      }
      expect(registry.byPath('/partners/europe')?.path).toBe('/partners/Europe');
      expect(registry.byPath('/nowhere')).toBeUndefined();
      expect(registry.byPath('/alpha/inner')).toBeUndefined();
    });

    it('finds a unique sub-realm name anywhere in the tree, case-insensitively', () => {
      const registry = tree();
      expect(registry.byNameOrAlias('inner')).toBe(registry.byPath('/bravo/inner'));
      expect(registry.byNameOrAlias('ALPHA')).toBe(registry.byPath('/alpha'));
      expect(registry.byNameOrAlias('nowhere')).toBeUndefined();
    });

    it('finds aliases, case-insensitively', () => {
      const registry = tree();
      expect(registry.byNameOrAlias('a')).toBe(registry.byPath('/alpha'));
      expect(registry.byNameOrAlias('EU')).toBe(registry.byPath('/customers/europe'));
    });

    it('treats a name two realms answer to as ambiguous (not found)', () => {
      const registry = tree();
      expect(registry.byNameOrAlias('europe')).toBeUndefined();
      expect(registry.byNameOrAlias('Europe')).toBeUndefined();
      // Both realms stay reachable by path.
      expect(registry.byPath('/customers/europe')).toBeDefined();
      expect(registry.byPath('/partners/europe')).toBeDefined();
    });

    it('treats an alias equal to another realm name as ambiguous', () => {
      const registry = realms([{ path: '/alpha', aliases: ['bravo'] }, { path: '/bravo' }]);
      expect(registry.byNameOrAlias('bravo')).toBeUndefined();
      expect(registry.byNameOrAlias('alpha')?.path).toBe('/alpha');
    });

    it('finds realms by DNS alias (host names), case-insensitively, only for names with a dot', () => {
      const registry = tree();
      expect(registry.byHost('alpha.example.com')).toBe(registry.byPath('/alpha'));
      expect(registry.byHost('ALPHA.Example.COM')).toBe(registry.byPath('/alpha'));
      expect(registry.byHost('root.example.com')).toBe(registry.root);
      expect(registry.byHost('a')).toBeUndefined();
      expect(registry.byHost('other.example.com')).toBeUndefined();
    });

    it('resolves ?realm= values as paths or names/aliases', () => {
      const registry = tree();
      expect(registry.resolveParameter('/bravo/inner')).toBe(registry.byPath('/bravo/inner'));
      expect(registry.resolveParameter('/')).toBe(registry.root);
      expect(registry.resolveParameter('inner')).toBe(registry.byPath('/bravo/inner'));
      expect(registry.resolveParameter('a')).toBe(registry.byPath('/alpha'));
      expect(registry.resolveParameter('/inner')).toBeUndefined();
      expect(registry.resolveParameter('europe')).toBeUndefined();
    });
  });

  describe('definition errors', () => {
    it('refuses realm names reserved for endpoints, in any case and at any depth', () => {
      for (const name of [
        'sessions',
        'authenticate',
        'users',
        'serverinfo',
        'realms',
        'root',
        'anvil',
        'health',
      ]) {
        expect(() => realms([{ path: `/${name}` }]), name).toThrow(RealmDefinitionError);
      }
      expect(() => realms([{ path: '/Sessions' }])).toThrow(/reserved/);
      expect(() => realms([{ path: '/alpha' }, { path: '/alpha/AUTHENTICATE' }])).toThrow(/reserved/);
    });

    it('accepts names that merely contain a reserved word', () => {
      expect(realms([{ path: '/mysessions' }, { path: '/users2' }]).byPath('/users2')).toBeDefined();
    });

    it('requires parents to be defined before their children', () => {
      expect(() => realms([{ path: '/a/b' }, { path: '/a' }])).toThrow(RealmDefinitionError);
      expect(() => realms([{ path: '/a/b' }, { path: '/a' }])).toThrow(/parent \/a is not defined before it/);
      expect(() => realms([{ path: '/x/y/z' }])).toThrow(RealmDefinitionError);
    });

    it('refuses a realm defined twice, in any case', () => {
      expect(() => realms([{ path: '/alpha' }, { path: '/alpha' }])).toThrow(/defined twice/);
      expect(() => realms([{ path: '/alpha' }, { path: '/ALPHA' }])).toThrow(RealmDefinitionError);
    });
  });
});
