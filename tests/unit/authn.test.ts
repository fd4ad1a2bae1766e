import { SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { JoseJourneyCodec } from '../../src/adapters/jose-journey-codec.js';
import { ManualClock } from '../../src/core/clock.js';
import { AuthnService, type AuthOutcome } from '../../src/domain/authn/authn-service.js';
import type { Callback } from '../../src/domain/authn/callbacks.js';
import { type JourneyState, runJourney } from '../../src/domain/authn/journey.js';
import { defaultTrees, type Tree } from '../../src/domain/authn/tree.js';
import { AnvilError, type ErrorKind } from '../../src/domain/errors.js';
import { IdentityService } from '../../src/domain/identity/identity-service.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import type { RealmRegistry } from '../../src/domain/realms/realm-registry.js';
import { SessionService } from '../../src/domain/sessions/session-service.js';
import {
  MemoryIdentityStore,
  MemorySessionStore,
  MemoryUsedJourneyStore,
} from '../../src/stores/memory/index.js';
import { FakeHasher, realms, replaceAt } from './fixtures.js';

const SECRET = 'a-journey-secret-of-at-least-32-characters';
const PASSWORD = 'Ch4ng31t!';

function decodePart(jwt: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[index] as string, 'base64url').toString('utf8'));
}

async function rejection(promise: Promise<unknown>): Promise<AnvilError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AnvilError) return error;
    throw error;
  }
  throw new Error('expected an AnvilError');
}

/** Fills a page's NameCallback and PasswordCallback as a client would. */
function answer(callbacks: readonly Callback[], username: string, password: string): Callback[] {
  return callbacks.map((c) => ({
    ...c,
    input: [{ name: 'IDToken', value: c.type === 'NameCallback' ? username : password }],
  }));
}

function asStep(outcome: AuthOutcome) {
  if (outcome.kind !== 'step') throw new Error(`expected a step, got ${outcome.kind}`);
  return outcome;
}

describe('authentication journeys', () => {
  let clock: ManualClock;
  let registry: RealmRegistry;
  let alpha: Realm;
  let identities: IdentityService;
  let sessions: SessionService;
  let codec: JoseJourneyCodec;
  let authn: AuthnService;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = realms([{ path: '/alpha' }, { path: '/bravo' }, { path: '/closed', active: false }]);
    alpha = registry.byPath('/alpha') as Realm;
    identities = new IdentityService({ store: new MemoryIdentityStore(), hasher: new FakeHasher(), clock });
    sessions = new SessionService({ store: new MemorySessionStore(), clock, updateFrequencySeconds: 60 });
    codec = new JoseJourneyCodec({ secret: SECRET, clock, maxMinutes: 5 });
    authn = new AuthnService({
      realms: registry,
      identities,
      sessions,
      codec,
      used: new MemoryUsedJourneyStore(),
      trees: defaultTrees(),
    });
    await identities.create(alpha, { username: 'demo', password: PASSWORD });
    await identities.create(alpha, { username: 'off', password: PASSWORD, status: 'Inactive' });
  });

  const start = (extra: Partial<Parameters<AuthnService['authenticate']>[0]> = {}) =>
    authn.authenticate({ realm: alpha, ...extra });

  describe('authId (JoseJourneyCodec)', () => {
    it('is a compact HS256 JWT whose realm claim is the realm DN', async () => {
      const step = asStep(await start());
      expect(step.authId.split('.')).toHaveLength(3);
      expect(decodePart(step.authId, 0)).toEqual({ typ: 'JWT', alg: 'HS256' });
      const payload = decodePart(step.authId, 1);
      expect(payload.realm).toBe('o=alpha,ou=services,ou=am-config');
      expect(payload.exp).toBe((payload.iat as number) + 300);
      expect(payload.iat).toBe(Math.floor(clock.now() / 1000));
      expect(typeof payload.otk).toBe('string');
    });

    it('round-trips the journey state', async () => {
      const state: JourneyState = {
        realm: '/alpha',
        tree: 'Login',
        node: 'page',
        shared: { username: 'demo' },
      };
      expect((await codec.open(await codec.seal(state, alpha))).state).toEqual(state);
    });

    it('differs between two starts of the same journey', async () => {
      const a = asStep(await start());
      const b = asStep(await start());
      expect(a.authId).not.toBe(b.authId);
    });

    it('is still accepted 1 s before 5 minutes', async () => {
      const step = asStep(await start());
      clock.advanceSeconds(299);
      const outcome = await authn.authenticate({
        realm: alpha,
        authId: step.authId,
        callbacks: answer(step.callbacks, 'demo', PASSWORD),
      });
      expect(outcome.kind).toBe('success');
    });

    it('is refused with AuthTimeout once the 5 minutes have passed', async () => {
      const step = asStep(await start());
      clock.advanceSeconds(5 * 60 + 1);
      const error = await rejection(
        authn.authenticate({
          realm: alpha,
          authId: step.authId,
          callbacks: answer(step.callbacks, 'demo', PASSWORD),
        }),
      );
      expect(error.kind).toBe<ErrorKind>('AuthTimeout');
      expect(error.message).toBe('Session has timed out');
    });

    it('is refused with InvalidAuthId when the payload is changed', async () => {
      const step = asStep(await start());
      const [header, payload, signature] = step.authId.split('.') as [string, string, string];
      const forged = decodePart(step.authId, 1);
      forged.realm = 'ou=am-config';
      (forged.journey as JourneyState).realm = '/';
      const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      expect(tampered).not.toContain(payload);
      expect((await rejection(codec.open(tampered))).kind).toBe<ErrorKind>('InvalidAuthId');
    });

    it('is refused with InvalidAuthId when a signature character is changed', async () => {
      const step = asStep(await start());
      const signatureStart = step.authId.lastIndexOf('.') + 1;
      // The last character carries padding bits: change characters that are wholly significant.
      for (const offset of [0, 10, 20, 30, 41]) {
        const tampered = replaceAt(step.authId, signatureStart + offset);
        const error = await rejection(codec.open(tampered));
        expect(error.kind, `signature offset ${offset}`).toBe<ErrorKind>('InvalidAuthId');
      }
    });

    it('is refused with InvalidAuthId when signed with another secret', async () => {
      const other = new JoseJourneyCodec({ secret: `${SECRET}-other`, clock, maxMinutes: 5 });
      const authId = await other.seal({ realm: '/alpha', tree: 'Login', node: 'page', shared: {} }, alpha);
      expect((await rejection(codec.open(authId))).kind).toBe<ErrorKind>('InvalidAuthId');
    });

    it('refuses garbage with BadRequest "Failed to parse JWT…"', async () => {
      for (const garbage of ['garbage', '', 'a.b.c', 'x.y', 'not.a.jwt.at.all']) {
        const error = await rejection(codec.open(garbage));
        expect(error.kind, garbage).toBe<ErrorKind>('BadRequest');
        expect(error.message.startsWith('Failed to parse JWT'), error.message).toBe(true);
      }
    });

    it('refuses another algorithm (alg none) rather than trusting it', async () => {
      const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'none' })).toString('base64url');
      const step = asStep(await start());
      const payload = step.authId.split('.')[1] as string;
      const error = await rejection(codec.open(`${header}.${payload}.`));
      expect(['BadRequest', 'InvalidAuthId']).toContain(error.kind);
    });

    it('refuses a validly signed token without journey state', async () => {
      const key = new TextEncoder().encode(SECRET);
      const now = Math.floor(clock.now() / 1000);
      const jwt = await new SignJWT({ realm: alpha.dn })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
      const error = await rejection(codec.open(jwt));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
      expect(error.message).toMatch(/^Failed to parse JWT/);
    });
  });

  describe('AuthnService', () => {
    it('starts with a page of NameCallback and PasswordCallback', async () => {
      const step = asStep(await start());
      expect(step.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      expect(step.header).toBe('Sign In');
    });

    it('creates a session when the callbacks carry the right credentials', async () => {
      const step = asStep(await start());
      const outcome = await authn.authenticate({
        realm: alpha,
        authId: step.authId,
        callbacks: answer(step.callbacks, 'demo', PASSWORD),
      });
      if (outcome.kind !== 'success') throw new Error('expected success');
      expect(outcome.realm).toBe(alpha);
      expect(outcome.identity?.username).toBe('demo');
      expect(outcome.session?.properties).toMatchObject({
        AuthLevel: '0',
        Service: 'Login',
        IndexType: 'service',
      });
      expect(await sessions.resolve(outcome.token)).toMatchObject({ username: 'demo', realm: '/alpha' });
    });

    it('records the tree of the journey as the Service, also when the continuation does not repeat it', async () => {
      const step = asStep(await start({ indexType: 'service', indexValue: 'PasswordGrant' }));
      const outcome = await authn.authenticate({
        realm: alpha,
        authId: step.authId,
        callbacks: answer(step.callbacks, 'demo', PASSWORD),
      });
      if (outcome.kind !== 'success') throw new Error('expected success');
      expect(outcome.session?.properties.Service).toBe('PasswordGrant');
    });

    it('fails with LoginFailure on a wrong password, an unknown user, an inactive user', async () => {
      for (const [username, password] of [
        ['demo', 'wrong'],
        ['ghost', PASSWORD],
        ['off', PASSWORD],
      ] as const) {
        const step = asStep(await start());
        const error = await rejection(
          authn.authenticate({
            realm: alpha,
            authId: step.authId,
            callbacks: answer(step.callbacks, username, password),
          }),
        );
        expect(error.kind, username).toBe<ErrorKind>('LoginFailure');
      }
    });

    it('logs in at once with zero-page credentials', async () => {
      const outcome = await start({ zeroPage: { username: 'demo', password: PASSWORD } });
      expect(outcome.kind).toBe('success');
      const wrong = await rejection(start({ zeroPage: { username: 'demo', password: 'nope' } }));
      expect(wrong.kind).toBe<ErrorKind>('LoginFailure');
    });

    it('does not create a session with noSession', async () => {
      const outcome = await start({ zeroPage: { username: 'demo', password: PASSWORD }, noSession: true });
      if (outcome.kind !== 'success') throw new Error('expected success');
      expect(outcome.token).toBeUndefined();
      expect(outcome.identity?.username).toBe('demo');
    });

    it('reuses a live session of the same realm unless forceAuth', async () => {
      const first = await start({ zeroPage: { username: 'demo', password: PASSWORD } });
      if (first.kind !== 'success') throw new Error('expected success');
      const again = await start({ existingToken: first.token });
      expect(again).toMatchObject({ kind: 'success', token: first.token });
      const forced = await start({ existingToken: first.token, forceAuth: true });
      expect(forced.kind).toBe('step');
      const elsewhere = await authn.authenticate({
        realm: registry.byPath('/bravo') as Realm,
        existingToken: first.token,
      });
      expect(elsewhere.kind).toBe('step');
    });

    it('selects trees by authIndexValue, case-insensitively, and refuses unknown ones', async () => {
      expect((await start({ indexType: 'service', indexValue: 'passwordgrant' })).kind).toBe('step');
      expect((await rejection(start({ indexType: 'service', indexValue: 'Nope' }))).kind).toBe(
        'NoConfiguration',
      );
      expect((await rejection(start({ indexType: 'module', indexValue: 'x' }))).kind).toBe('NoConfiguration');
      expect((await rejection(start({ indexType: 'bogus' }))).kind).toBe('UnknownAuthIndexType');
    });

    it('refuses to authenticate in an inactive realm', async () => {
      const error = await rejection(authn.authenticate({ realm: registry.byPath('/closed') as Realm }));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
    });

    it('continues in the realm carried by the authId, not the one of the request', async () => {
      const step = asStep(await start());
      const outcome = await authn.authenticate({
        realm: registry.byPath('/bravo') as Realm,
        authId: step.authId,
        callbacks: answer(step.callbacks, 'demo', PASSWORD),
      });
      expect(outcome).toMatchObject({ kind: 'success', realm: alpha });
    });
  });

  describe('runJourney', () => {
    const login = defaultTrees()[0] as Tree;
    const initial: JourneyState = { realm: '/alpha', tree: 'Login', node: 'page', shared: {} };

    it('stops at the first page without input', async () => {
      const result = await runJourney(login, alpha, initial, identities);
      expect(result).toMatchObject({ kind: 'page', state: initial });
    });

    it('succeeds or fails from the submitted callbacks', async () => {
      const page = await runJourney(login, alpha, initial, identities);
      if (page.kind !== 'page') throw new Error('expected a page');
      const ok = await runJourney(
        login,
        alpha,
        page.state,
        identities,
        answer(page.callbacks, 'demo', PASSWORD),
      );
      expect(ok).toMatchObject({ kind: 'success', identity: { username: 'demo' } });
      const ko = await runJourney(login, alpha, page.state, identities, answer(page.callbacks, 'demo', 'x'));
      expect(ko).toEqual({ kind: 'failure' });
    });

    it('refuses the wrong number or the wrong types of callbacks with BadRequest', async () => {
      const page = await runJourney(login, alpha, initial, identities);
      if (page.kind !== 'page') throw new Error('expected a page');
      const filled = answer(page.callbacks, 'demo', PASSWORD);
      const tooFew = await rejection(runJourney(login, alpha, page.state, identities, filled.slice(0, 1)));
      expect(tooFew.kind).toBe<ErrorKind>('BadRequest');
      const swapped = await rejection(
        runJourney(login, alpha, page.state, identities, [...filled].reverse()),
      );
      expect(swapped.kind).toBe<ErrorKind>('BadRequest');
    });

    it('never carries the password into the state of a later page', async () => {
      const twoPages: Tree = {
        name: 'TwoPages',
        entry: 'first',
        nodes: {
          first: {
            type: 'Page',
            nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
            next: 'second',
          },
          second: { type: 'Page', nodes: [{ type: 'UsernameCollector' }], next: 'check' },
          check: { type: 'DataStoreDecision', true: 'ok', false: 'ko' },
          ok: { type: 'Success' },
          ko: { type: 'Failure' },
        },
      };
      const state: JourneyState = { realm: '/alpha', tree: 'TwoPages', node: 'first', shared: {} };
      const first = await runJourney(twoPages, alpha, state, identities);
      if (first.kind !== 'page') throw new Error('expected a page');
      const second = await runJourney(
        twoPages,
        alpha,
        first.state,
        identities,
        answer(first.callbacks, 'demo', PASSWORD),
      );
      if (second.kind !== 'page') throw new Error('expected the second page');
      expect(second.state).toEqual({
        realm: '/alpha',
        tree: 'TwoPages',
        node: 'second',
        shared: { username: 'demo' },
      });
      const authId = await codec.seal(second.state, alpha);
      expect(JSON.stringify(decodePart(authId, 1))).not.toContain(PASSWORD);
    });
  });
});
