import { CompactEncrypt, SignJWT } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { JoseJourneyCodec } from '../../src/adapters/jose-journey-codec.js';
import { ManualClock } from '../../src/core/clock.js';
import { AuthnService, type AuthOutcome, type AuthRequest } from '../../src/domain/authn/authn-service.js';
import type { Callback } from '../../src/domain/authn/callbacks.js';
import { newJourney } from '../../src/domain/authn/journey.js';
import { defaultTrees, FAILURE, SUCCESS, type Tree } from '../../src/domain/authn/tree.js';
import { TreeCatalog } from '../../src/domain/authn/tree-catalog.js';
import { AnvilError, type ErrorKind } from '../../src/domain/errors.js';
import { IdentityService } from '../../src/domain/identity/identity-service.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import type { RealmRegistry } from '../../src/domain/realms/realm-registry.js';
import { SessionService } from '../../src/domain/sessions/session-service.js';
import {
  MemoryIdentityStore,
  MemoryLockoutStore,
  MemorySessionStore,
  MemoryUsedJourneyStore,
} from '../../src/stores/memory/index.js';
import { FakeHasher, realms, replaceAt } from './fixtures.js';
import { credentialsPage } from './journey-helpers.js';

const SECRET = 'a-journey-secret-of-at-least-32-characters';
const PASSWORD = 'Ch4ng31t!';
/** A user name unlikely to appear by chance in base64url text. */
const LONG_NAME = 'zebulon-quartermaine';

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

/** Fills NameCallback / PasswordCallback inputs as a client would; other callbacks keep their defaults. */
function answer(callbacks: readonly Callback[], username: string, password: string): Callback[] {
  return callbacks.map((c) => ({
    ...c,
    input: (c.input ?? []).map((field, i) =>
      i === 0 && (c.type === 'NameCallback' || c.type === 'PasswordCallback')
        ? { ...field, value: c.type === 'NameCallback' ? username : password }
        : field,
    ),
  }));
}

function asStep(outcome: AuthOutcome) {
  if (outcome.kind !== 'step') throw new Error(`expected a step, got ${outcome.kind}`);
  return outcome;
}

function asSuccess(outcome: AuthOutcome) {
  if (outcome.kind !== 'success') throw new Error(`expected a success, got ${outcome.kind}`);
  return outcome;
}

/** Page 1: user name; page 2: password; then the data store. */
const twoPages: Tree = {
  name: 'TwoPages',
  entry: 'user',
  nodes: {
    user: { type: 'Page', nodes: [{ type: 'UsernameCollector' }], outcomes: { outcome: 'pass' } },
    pass: { type: 'Page', nodes: [{ type: 'PasswordCollector' }], outcomes: { outcome: 'check' } },
    check: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: FAILURE } },
  },
};

/** The default login, then a session property. */
const withProperty: Tree = {
  name: 'WithProperty',
  entry: 'login',
  nodes: {
    login: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: 'props', false: FAILURE } },
    props: { type: 'SetSessionProperties', properties: { Colour: 'blue' }, outcomes: { outcome: SUCCESS } },
  },
};

/** Only in /bravo. */
const bravoOnly: Tree = { ...twoPages, name: 'BravoOnly', realm: '/bravo' };

describe('authentication journeys', () => {
  let clock: ManualClock;
  let registry: RealmRegistry;
  let alpha: Realm;
  let bravo: Realm;
  let identities: IdentityService;
  let sessions: SessionService;
  let lockouts: MemoryLockoutStore;
  let codec: JoseJourneyCodec;
  let authn: AuthnService;

  beforeEach(async () => {
    clock = new ManualClock();
    registry = realms([{ path: '/alpha' }, { path: '/bravo' }, { path: '/closed', active: false }]);
    alpha = registry.byPath('/alpha') as Realm;
    bravo = registry.byPath('/bravo') as Realm;
    identities = new IdentityService({ store: new MemoryIdentityStore(), hasher: new FakeHasher(), clock });
    sessions = new SessionService({ store: new MemorySessionStore(), clock, updateFrequencySeconds: 60 });
    lockouts = new MemoryLockoutStore();
    codec = new JoseJourneyCodec({ secret: SECRET, clock, maxMinutes: 5 });
    authn = serviceWith([...defaultTrees(), twoPages, withProperty, bravoOnly]);
    await identities.create(alpha, { username: 'demo', password: PASSWORD });
    await identities.create(alpha, { username: 'other', password: PASSWORD });
    await identities.create(alpha, { username: 'off', password: PASSWORD, status: 'Inactive' });
    await identities.create(alpha, { username: LONG_NAME, password: PASSWORD });
    await identities.create(bravo, { username: 'demo', password: PASSWORD });
  });

  /** A service over this suite's stores with trees (and, given, an identity service) of its own. */
  const serviceWith = (trees: Tree[], users: IdentityService = identities) =>
    new AuthnService({
      realms: registry,
      identities: users,
      sessions,
      codec,
      used: new MemoryUsedJourneyStore(),
      lockouts,
      trees: new TreeCatalog(trees),
      nodeServices: { identities: users, lockouts, clock },
    });

  const start = (extra: Partial<AuthRequest> = {}) => authn.authenticate({ realm: alpha, ...extra });
  const proceed = (step: { authId: string; callbacks: Callback[] }, username: string, password: string) =>
    authn.authenticate({
      realm: alpha,
      authId: step.authId,
      callbacks: answer(step.callbacks, username, password),
    });
  const loginDemo = async () =>
    asSuccess(await start({ zeroPage: { username: 'demo', password: PASSWORD } })).token as string;

  describe('authId (JoseJourneyCodec, spec §5.4)', () => {
    it('104: is three base64url segments with header {"typ":"JWT","alg":"HS256"}', async () => {
      const step = asStep(await start());
      const parts = step.authId.split('.');
      expect(parts).toHaveLength(3);
      for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(parts[0] as string, 'base64url').toString('utf8')).toBe(
        '{"typ":"JWT","alg":"HS256"}',
      );
      expect(step.authId.startsWith('eyJ0eXAiOiJKV1Qi')).toBe(true);
    });

    it('carries the realm DN in `realm`, a one-time `otk` and an `exp` 5 minutes after `iat`', async () => {
      const step = asStep(await start());
      const payload = decodePart(step.authId, 1);
      expect(payload.realm).toBe('o=alpha,ou=services,ou=am-config');
      expect(typeof payload.otk).toBe('string');
      expect((payload.otk as string).length).toBeGreaterThanOrEqual(16);
      expect(payload.iat).toBe(Math.floor(clock.now() / 1000));
      expect(payload.exp).toBe((payload.iat as number) + 300);
      const bravoStep = asStep(await authn.authenticate({ realm: bravo }));
      expect(decodePart(bravoStep.authId, 1).realm).toBe('o=bravo,ou=services,ou=am-config');
    });

    it('112: differs between two starts of the same journey (different otk)', async () => {
      const a = asStep(await start());
      const b = asStep(await start());
      expect(a.authId).not.toBe(b.authId);
      expect(decodePart(a.authId, 1).otk).not.toBe(decodePart(b.authId, 1).otk);
    });

    it('round-trips the journey state; open() returns the otk and the expiry in ms', async () => {
      const state = newJourney(alpha, twoPages, { goto: 'https://app.example/' }, clock.now());
      state.data.username = 'demo';
      const authId = await codec.seal(state, alpha);
      const opened = await codec.open(authId);
      expect(opened.state).toEqual(state);
      expect(opened.id).toBe(decodePart(authId, 1).otk);
      expect(opened.expiresAt).toBe((decodePart(authId, 1).exp as number) * 1000);
    });

    it('does not reveal the journey state: no user name or password in the payload, even after a page', async () => {
      // The first page of TwoPages collects the user name; the second step's authId carries it.
      const first = asStep(await start({ indexType: 'service', indexValue: 'TwoPages' }));
      const second = asStep(await proceed(first, LONG_NAME, PASSWORD));
      expect(second.callbacks.map((c) => c.type)).toEqual(['PasswordCallback']);
      const payloadText = Buffer.from(second.authId.split('.')[1] as string, 'base64url').toString('utf8');
      expect(payloadText).not.toContain(LONG_NAME);
      expect(payloadText).not.toContain('TwoPages');
      expect(payloadText).not.toContain('frames');
      // The state claim is a compact JWE (dir + A256GCM): five segments, ciphertext only.
      const sealed = decodePart(second.authId, 1).state as string;
      expect(sealed.split('.')).toHaveLength(5);
      const jweHeader = JSON.parse(Buffer.from(sealed.split('.')[0] as string, 'base64url').toString('utf8'));
      expect(jweHeader).toEqual({ alg: 'dir', enc: 'A256GCM' });
      for (const segment of sealed.split('.')) {
        expect(Buffer.from(segment, 'base64url').toString('latin1')).not.toContain(LONG_NAME);
      }
      // A password held between pages is not readable either.
      const state = newJourney(alpha, twoPages, {}, clock.now());
      state.data.password = 'hunter2-very-secret';
      const withPassword = await codec.seal(state, alpha);
      expect(Buffer.from(withPassword, 'utf8').toString()).not.toContain('hunter2');
      expect(JSON.stringify(decodePart(withPassword, 1))).not.toContain('hunter2');
      // …and the journey still continues with it.
      expect(asSuccess(await proceed(second, '', PASSWORD)).identity?.username).toBe(LONG_NAME);
    });

    it('is still accepted 1 s before 5 minutes', async () => {
      const step = asStep(await start());
      clock.advanceSeconds(299);
      expect((await proceed(step, 'demo', PASSWORD)).kind).toBe('success');
    });

    it('is refused with AuthTimeout (408 Session has timed out) once the 5 minutes have passed', async () => {
      const step = asStep(await start());
      clock.advanceSeconds(5 * 60 + 1);
      const error = await rejection(proceed(step, 'demo', PASSWORD));
      expect(error.kind).toBe<ErrorKind>('AuthTimeout');
      expect(error.message).toBe('Session has timed out');
      expect((await rejection(codec.open(step.authId))).kind).toBe<ErrorKind>('AuthTimeout');
    });

    it('bounds the whole journey by its maximum duration (counted from the start, not from each step)', async () => {
      // journeyMaxMinutes is "Maximum duration of an authentication journey" (spec §5.4: trees'
      // *Max duration*, 5 min): a later step's authId must not push the deadline back.
      const first = asStep(await start({ indexType: 'service', indexValue: 'TwoPages' }));
      clock.advanceSeconds(4 * 60);
      const second = asStep(await proceed(first, 'demo', ''));
      clock.advanceSeconds(2 * 60);
      const error = await rejection(proceed(second, '', PASSWORD));
      expect(error.kind).toBe<ErrorKind>('AuthTimeout');
    });

    it('is refused with InvalidAuthId when the payload is changed', async () => {
      const step = asStep(await start());
      const [header, payload, signature] = step.authId.split('.') as [string, string, string];
      const forged = decodePart(step.authId, 1);
      forged.realm = 'ou=am-config';
      const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      expect(tampered).not.toContain(payload);
      const error = await rejection(codec.open(tampered));
      expect(error.kind).toBe<ErrorKind>('InvalidAuthId');
      expect(error.message).toBe('AuthId JWT Signature not valid');
    });

    it('109: is refused with InvalidAuthId when a signature character is changed', async () => {
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
      const authId = await other.seal(newJourney(alpha, twoPages, {}, clock.now()), alpha);
      expect((await rejection(codec.open(authId))).kind).toBe<ErrorKind>('InvalidAuthId');
    });

    it('110: refuses garbage with BadRequest "Failed to parse JWT…"', async () => {
      for (const garbage of ['garbage', '', 'a.b.c', 'x.y', 'not.a.jwt.at.all', 'eyJ0eXAiOiJKV1Qi..']) {
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

    it('refuses a correctly signed token without journey state (BadRequest)', async () => {
      const key = new TextEncoder().encode(SECRET);
      const now = Math.floor(clock.now() / 1000);
      const jwt = await new SignJWT({ realm: alpha.dn, otk: 'x'.repeat(16) })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key);
      const error = await rejection(codec.open(jwt));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
      expect(error.message).toMatch(/^Failed to parse JWT/);
    });

    it('refuses a correctly signed token whose state was encrypted with another secret (BadRequest)', async () => {
      // The state claim of a journey sealed under another secret, re-signed with the right key.
      const other = new JoseJourneyCodec({ secret: `${SECRET}-other`, clock, maxMinutes: 5 });
      const foreign = await other.seal(newJourney(alpha, twoPages, {}, clock.now()), alpha);
      const claims = decodePart(foreign, 1);
      const resigned = await new SignJWT(claims)
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .sign(new TextEncoder().encode(SECRET));
      const error = await rejection(codec.open(resigned));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
      expect(error.message).toMatch(/^Failed to parse JWT/);
      // Not an internal error reaching the service either.
      const viaService = await rejection(
        authn.authenticate({ realm: alpha, authId: resigned, callbacks: [] }),
      );
      expect(viaService.kind).toBe<ErrorKind>('BadRequest');
    });

    it('refuses a correctly signed and encrypted state that is not a journey (BadRequest)', async () => {
      const { createHash } = await import('node:crypto');
      const key = createHash('sha256').update(`anvil journey state\u0000${SECRET}`).digest();
      const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ hello: 'world' })))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(key);
      const now = Math.floor(clock.now() / 1000);
      const jwt = await new SignJWT({ realm: alpha.dn, otk: 'y'.repeat(16), state: sealed })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new TextEncoder().encode(SECRET));
      const error = await rejection(codec.open(jwt));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
    });

    it('continues a journey whose authId jose sealed, as Anvil did before (rolling upgrades)', async () => {
      const { createHash, createSecretKey } = await import('node:crypto');
      const { decryptDirA256Gcm } = await import('../../src/adapters/compact-jose.js');
      const key = createHash('sha256').update(`anvil journey state\u0000${SECRET}`).digest();
      const step = asStep(await start());
      const claims = decodePart(step.authId, 1);
      const state = decryptDirA256Gcm(String(claims.state), createSecretKey(key));
      // What the earlier codec did: jose's CompactEncrypt, then SignJWT with the raw secret.
      const sealed = await new CompactEncrypt(new TextEncoder().encode(state))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(key);
      const earlier = await new SignJWT({ ...claims, state: sealed })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
        .sign(new TextEncoder().encode(SECRET));
      expect(earlier).not.toBe(step.authId);
      expect(
        asSuccess(await proceed({ ...step, authId: earlier }, 'demo', PASSWORD)).identity?.username,
      ).toBe('demo');
    });
  });

  describe('AuthnService', () => {
    it('103: starts the default tree (Login) with a page of NameCallback and PasswordCallback', async () => {
      const step = asStep(await start());
      expect(step.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      expect(step.header).toBe('Sign In');
      // authIndexType=service with no value is the default tree too.
      const service = asStep(await start({ indexType: 'service' }));
      expect(service.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
    });

    it('106: creates a session when the callbacks carry the right credentials', async () => {
      const step = asStep(await start());
      const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
      expect(outcome.realm).toBe(alpha);
      expect(outcome.identity?.username).toBe('demo');
      expect(outcome.session?.properties).toMatchObject({
        AuthLevel: '0',
        Service: 'Login',
        IndexType: 'service',
      });
      expect(await sessions.resolve(outcome.token)).toMatchObject({ username: 'demo', realm: '/alpha' });
    });

    it('reads the user from the store once per request (the password check and the new session)', async () => {
      let reads = 0;
      const store = new MemoryIdentityStore();
      const get = store.get.bind(store);
      store.get = (realm, username) => {
        reads += 1;
        return get(realm, username);
      };
      const counted = new IdentityService({ store, hasher: new FakeHasher(), clock });
      await counted.create(alpha, { username: 'demo', password: PASSWORD });
      const service = serviceWith(defaultTrees(), counted);
      reads = 0;
      const zeroPage = await service.authenticate({
        realm: alpha,
        zeroPage: { username: 'demo', password: PASSWORD },
      });
      expect(asSuccess(zeroPage).identity?.username).toBe('demo');
      expect(reads).toBe(1);
      const step = asStep(await service.authenticate({ realm: alpha }));
      reads = 0;
      const callbacks = answer(step.callbacks, 'demo', PASSWORD);
      asSuccess(await service.authenticate({ realm: alpha, authId: step.authId, callbacks }));
      expect(reads).toBe(1);
      // Each request reads afresh: a change between two requests is seen.
      await counted.update(alpha, 'demo', { status: 'Inactive' });
      const refused = service.authenticate({
        realm: alpha,
        zeroPage: { username: 'demo', password: PASSWORD },
      });
      expect((await rejection(refused)).kind).toBe('LoginFailure');
    });

    it('sees a change a node made to the user after the password check when it opens the session', async () => {
      const lockThenSucceed: Tree = {
        name: 'LockThenSucceed',
        entry: 'p',
        nodes: {
          p: credentialsPage('ds'),
          ds: { type: 'DataStoreDecision', outcomes: { true: 'lock', false: FAILURE } },
          lock: { type: 'AccountLockout', lockAction: 'LOCK', outcomes: { outcome: SUCCESS } },
        },
      };
      const service = serviceWith([...defaultTrees(), lockThenSucceed]);
      const step = asStep(
        await service.authenticate({ realm: alpha, indexType: 'service', indexValue: 'LockThenSucceed' }),
      );
      const callbacks = answer(step.callbacks, 'demo', PASSWORD);
      const outcome = service.authenticate({ realm: alpha, authId: step.authId, callbacks });
      expect((await rejection(outcome)).kind).toBe('UserInactive');
    });

    it('resets the saved failure count after a success only with a journey that keeps one (as AM)', async () => {
      const retry = (name: string, save: boolean): Tree => ({
        name,
        entry: 'p',
        nodes: {
          p: credentialsPage('ds'),
          ds: { type: 'DataStoreDecision', outcomes: { true: SUCCESS, false: 'retry' } },
          retry: {
            type: 'RetryLimitDecision',
            saveRetryLimitToUser: save,
            outcomes: { Retry: 'p', Reject: FAILURE },
          },
        },
      });
      // The retry node sits one inner tree down: the journey contains it all the same.
      const outer: Tree = {
        name: 'Outer',
        entry: 'inner',
        nodes: {
          inner: { type: 'InnerTreeEvaluator', tree: 'Saved', outcomes: { true: SUCCESS, false: FAILURE } },
        },
      };
      const list = [...defaultTrees(), retry('Saved', true), retry('InJourney', false), outer];
      const trees = new TreeCatalog(list);
      expect(trees.savesRetryCount('/alpha', 'outer')).toBe(true);
      expect(trees.savesRetryCount('/alpha', 'Login')).toBe(false);
      const service = serviceWith(list);
      const login = async (tree?: string) =>
        asSuccess(
          await service.authenticate({
            realm: alpha,
            ...(tree ? { indexType: 'service', indexValue: tree } : {}),
            zeroPage: { username: 'demo', password: PASSWORD },
          }),
        );
      await lockouts.increment('/alpha', 'demo');
      await login();
      await login('InJourney');
      expect(await lockouts.increment('/alpha', 'demo')).toBe(2);
      await login('Outer');
      expect(await lockouts.increment('/alpha', 'demo')).toBe(1);
    });

    it('continues a multi-page journey step by step, each step with a new authId', async () => {
      const first = asStep(await start({ indexType: 'service', indexValue: 'TwoPages' }));
      expect(first.callbacks.map((c) => c.type)).toEqual(['NameCallback']);
      const second = asStep(await proceed(first, 'demo', ''));
      expect(second.callbacks.map((c) => c.type)).toEqual(['PasswordCallback']);
      expect(second.authId).not.toBe(first.authId);
      const done = asSuccess(await proceed(second, '', PASSWORD));
      expect(done.session?.properties.Service).toBe('TwoPages');
    });

    it('records the tree of the journey as the Service, also when the continuation does not repeat it', async () => {
      const step = asStep(await start({ indexType: 'service', indexValue: 'PasswordGrant' }));
      const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
      expect(outcome.session?.properties.Service).toBe('PasswordGrant');
    });

    it('gives the session the properties set by the journey (SetSessionProperties)', async () => {
      const step = asStep(await start({ indexType: 'service', indexValue: 'WithProperty' }));
      const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
      expect(outcome.session?.properties.Colour).toBe('blue');
      expect((await sessions.resolve(outcome.token))?.properties.Colour).toBe('blue');
    });

    it('fails with LoginFailure on a wrong password or an unknown user', async () => {
      for (const [username, password] of [
        ['demo', 'wrong'],
        ['ghost', PASSWORD],
        ['', ''],
      ] as const) {
        const step = asStep(await start());
        const error = await rejection(proceed(step, username, password));
        expect(error.kind, username).toBe<ErrorKind>('LoginFailure');
        expect(error.message).toBe('Login failure');
      }
    });

    it('refuses an inactive user (401, no session)', async () => {
      const step = asStep(await start());
      const error = await rejection(proceed(step, 'off', PASSWORD));
      expect(['LoginFailure', 'UserInactive']).toContain(error.kind);
      clock.advanceMinutes(121);
      expect(await sessions.sweep()).toBe(0);
    });

    it('refuses a submission that does not answer the callbacks shown, without spending the authId', async () => {
      const step = asStep(await start());
      const filled = answer(step.callbacks, 'demo', PASSWORD);
      const tooFew = await rejection(
        authn.authenticate({ realm: alpha, authId: step.authId, callbacks: filled.slice(0, 1) }),
      );
      expect(tooFew.kind).toBe<ErrorKind>('BadRequest');
      expect(tooFew.message).toBe('Incorrect number of callbacks found in JSON response');
      const swapped = await rejection(
        authn.authenticate({ realm: alpha, authId: step.authId, callbacks: [...filled].reverse() }),
      );
      expect(swapped.message).toBe('Required callback not found in JSON response');
      const none = await rejection(authn.authenticate({ realm: alpha, authId: step.authId }));
      expect(none.message).toBe('Incorrect number of callbacks found in JSON response');
      // Still usable once.
      expect((await proceed(step, 'demo', PASSWORD)).kind).toBe('success');
    });

    it('111: an authId continues a journey once: a replay is AuthTimeout, after a success or a failure', async () => {
      const step = asStep(await start());
      expect((await proceed(step, 'demo', PASSWORD)).kind).toBe('success');
      expect((await rejection(proceed(step, 'demo', PASSWORD))).kind).toBe<ErrorKind>('AuthTimeout');
      const failed = asStep(await start());
      expect((await rejection(proceed(failed, 'demo', 'wrong'))).kind).toBe<ErrorKind>('LoginFailure');
      expect((await rejection(proceed(failed, 'demo', PASSWORD))).kind).toBe<ErrorKind>('AuthTimeout');
      // An intermediate step's authId too.
      const first = asStep(await start({ indexType: 'service', indexValue: 'TwoPages' }));
      asStep(await proceed(first, 'demo', ''));
      expect((await rejection(proceed(first, 'demo', ''))).kind).toBe<ErrorKind>('AuthTimeout');
    });

    it('sweep() forgets spent authIds once they have expired', async () => {
      const step = asStep(await start());
      await proceed(step, 'demo', PASSWORD);
      expect(await authn.sweep(clock.now())).toBe(0);
      clock.advanceSeconds(301);
      expect(await authn.sweep(clock.now())).toBe(1);
    });

    describe('zero-page login (§5.2)', () => {
      it('96: logs in at once with zero-page credentials; wrong ones are a LoginFailure', async () => {
        const outcome = asSuccess(await start({ zeroPage: { username: 'demo', password: PASSWORD } }));
        expect(outcome.token).toEqual(expect.any(String));
        expect(outcome.identity?.username).toBe('demo');
        const wrong = await rejection(start({ zeroPage: { username: 'demo', password: 'nope' } }));
        expect(wrong.kind).toBe<ErrorKind>('LoginFailure');
      });

      it('fills a first page that asks only for a user name, and answers the next step', async () => {
        const outcome = asStep(
          await start({
            indexType: 'service',
            indexValue: 'TwoPages',
            zeroPage: { username: 'demo', password: PASSWORD },
          }),
        );
        expect(outcome.callbacks.map((c) => c.type)).toEqual(['PasswordCallback']);
        expect(asSuccess(await proceed(outcome, '', PASSWORD)).identity?.username).toBe('demo');
      });

      it('answers with the callbacks when the first step asks for something else', async () => {
        const choice: Tree = {
          name: 'ChoiceFirst',
          entry: 'pick',
          nodes: {
            pick: {
              type: 'Page',
              nodes: [{ type: 'UsernameCollector' }, { type: 'ChoiceCollector', choices: ['a', 'b'] }],
              outcomes: { a: 'login', b: FAILURE },
            },
            login: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: SUCCESS, false: FAILURE } },
          },
        };
        const service = serviceWith([...defaultTrees(), choice]);
        const outcome = await service.authenticate({
          realm: alpha,
          indexType: 'service',
          indexValue: 'ChoiceFirst',
          zeroPage: { username: 'demo', password: PASSWORD },
        });
        expect(asStep(outcome).callbacks.map((c) => c.type)).toEqual(['NameCallback', 'ChoiceCallback']);
      });
    });

    it('117: noSession creates no session but names the identity', async () => {
      const outcome = asSuccess(
        await start({ zeroPage: { username: 'demo', password: PASSWORD }, noSession: true }),
      );
      expect(outcome.token).toBeUndefined();
      expect(outcome.session).toBeUndefined();
      expect(outcome.identity?.username).toBe('demo');
      // Through callbacks: noSession is remembered by the journey.
      const step = asStep(await start({ noSession: true, indexType: 'service', indexValue: 'TwoPages' }));
      const second = asStep(await proceed(step, 'demo', ''));
      const done = asSuccess(await proceed(second, '', PASSWORD));
      expect(done.token).toBeUndefined();
      clock.advanceMinutes(121);
      expect(await sessions.sweep()).toBe(0);
    });

    describe('an existing session (§5.5)', () => {
      it('118: is returned as is for the same tree (or no tree named), unless ForceAuth', async () => {
        const token = await loginDemo();
        expect(await start({ existingToken: token })).toMatchObject({ kind: 'success', token });
        expect(
          await start({ existingToken: token, indexType: 'service', indexValue: 'login' }),
        ).toMatchObject({
          kind: 'success',
          token,
        });
        expect((await start({ existingToken: token, forceAuth: true })).kind).toBe('step');
      });

      it('of another realm, or dead, does not count: the tree runs', async () => {
        const token = await loginDemo();
        expect((await authn.authenticate({ realm: bravo, existingToken: token })).kind).toBe('step');
        expect((await start({ existingToken: 'AQIC5wM-not-a-token' })).kind).toBe('step');
        clock.advanceMinutes(31);
        expect((await start({ existingToken: token })).kind).toBe('step');
      });

      it('with ForceAuth: the same user gets a new token and the old session ends', async () => {
        const token = await loginDemo();
        const step = asStep(await start({ existingToken: token, forceAuth: true }));
        const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
        expect(outcome.token).not.toBe(token);
        expect(await sessions.resolve(outcome.token)).toBeDefined();
        expect(await sessions.resolve(token)).toBeUndefined();
      });

      it('another tree is an upgrade: a new token, the old properties kept, the old session ended', async () => {
        const token = await loginDemo();
        const step = asStep(
          await start({ existingToken: token, indexType: 'service', indexValue: 'WithProperty' }),
        );
        const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
        expect(outcome.token).not.toBe(token);
        expect(outcome.session?.properties).toMatchObject({ Service: 'WithProperty', Colour: 'blue' });
        expect(await sessions.resolve(token)).toBeUndefined();
      });

      it('is ignored with noSession', async () => {
        const token = await loginDemo();
        const outcome = await start({ existingToken: token, noSession: true });
        expect(outcome.kind).toBe('step');
      });
    });

    describe('session upgrade (sessionUpgradeSSOTokenId)', () => {
      it('119: an invalid token is a BadRequest', async () => {
        const error = await rejection(start({ upgradeToken: 'AQIC5wM-nope' }));
        expect(error.kind).toBe<ErrorKind>('BadRequest');
        const token = await loginDemo();
        clock.advanceMinutes(31);
        expect((await rejection(start({ upgradeToken: token }))).kind).toBe<ErrorKind>('BadRequest');
      });

      it('the same user: a new token, the old session ended, its properties carried over', async () => {
        const token = await loginDemo();
        const step = asStep(
          await start({ upgradeToken: token, indexType: 'service', indexValue: 'WithProperty' }),
        );
        const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
        expect(outcome.token).not.toBe(token);
        expect(await sessions.resolve(token)).toBeUndefined();
        expect(outcome.session?.properties).toMatchObject({ Service: 'WithProperty', Colour: 'blue' });
        // Zero-page too.
        const next = asSuccess(
          await start({ upgradeToken: outcome.token, zeroPage: { username: 'demo', password: PASSWORD } }),
        );
        expect(next.token).not.toBe(outcome.token);
        expect(await sessions.resolve(outcome.token)).toBeUndefined();
      });

      it('another user: SessionUpgradeFailed, no new session, and the old session stays', async () => {
        const token = await loginDemo();
        const error = await rejection(
          start({ upgradeToken: token, zeroPage: { username: 'other', password: PASSWORD } }),
        );
        expect(error.kind).toBe<ErrorKind>('SessionUpgradeFailed');
        expect(error.message).toBe(
          'Session Upgrade fails since user is different than original authenticated user',
        );
        expect(await sessions.resolve(token)).toBeDefined();
        expect(await sessions.listForUser('id=other,ou=user,o=alpha,ou=services,ou=am-config')).toEqual([]);
      });

      it('a failed upgrade (wrong password) keeps the old session', async () => {
        const token = await loginDemo();
        const error = await rejection(
          start({ upgradeToken: token, zeroPage: { username: 'demo', password: 'wrong' } }),
        );
        expect(error.kind).toBe<ErrorKind>('LoginFailure');
        expect(await sessions.resolve(token)).toBeDefined();
      });
    });

    describe('tree selection', () => {
      it('114: selects trees by authIndexValue, case-insensitively; authIndexType too', async () => {
        const step = asStep(await start({ indexType: 'SERVICE', indexValue: 'passwordgrant' }));
        expect(asSuccess(await proceed(step, 'demo', PASSWORD)).session?.properties.Service).toBe(
          'PasswordGrant',
        );
      });

      it('refuses an unknown tree with NoConfiguration (400 No Configuration found)', async () => {
        const error = await rejection(start({ indexType: 'service', indexValue: 'Nope' }));
        expect(error.kind).toBe<ErrorKind>('NoConfiguration');
        expect(error.message).toBe('No Configuration found');
      });

      it('offers a realm-specific tree only in its realm', async () => {
        expect((await rejection(start({ indexType: 'service', indexValue: 'BravoOnly' }))).kind).toBe(
          'NoConfiguration',
        );
        expect(
          (await authn.authenticate({ realm: bravo, indexType: 'service', indexValue: 'BravoOnly' })).kind,
        ).toBe('step');
      });

      it('113: refuses an unknown index type; known but unconfigured ones are NoConfiguration', async () => {
        const unknown = await rejection(start({ indexType: 'bogus', indexValue: 'x' }));
        expect(unknown.kind).toBe<ErrorKind>('UnknownAuthIndexType');
        expect(unknown.message).toBe('Unknown Authentication Index Type');
        for (const type of [
          'module',
          'module_instance',
          'level',
          'user',
          'role',
          'resource',
          'transaction',
        ]) {
          expect((await rejection(start({ indexType: type, indexValue: 'x' }))).kind, type).toBe(
            'NoConfiguration',
          );
        }
      });

      it('composite_advice names the tree to run (AuthenticateToServiceConditionAdvice / …TreeConditionAdvice)', async () => {
        const service =
          '<Advices><AttributeValuePair><Attribute name="AuthenticateToServiceConditionAdvice"/><Value>/alpha:PasswordGrant</Value></AttributeValuePair></Advices>';
        for (const type of ['composite_advice', 'COMPOSITE_ADVICE', 'composite']) {
          const step = asStep(await start({ indexType: type, indexValue: service }));
          const outcome = asSuccess(await proceed(step, 'demo', PASSWORD));
          expect(outcome.session?.properties.Service, type).toBe('PasswordGrant');
        }
        const tree =
          '<Advices><AttributeValuePair><Attribute name="AuthenticateToTreeConditionAdvice"/><Value>WithProperty</Value></AttributeValuePair></Advices>';
        const step = asStep(await start({ indexType: 'composite_advice', indexValue: tree }));
        expect(asSuccess(await proceed(step, 'demo', PASSWORD)).session?.properties.Colour).toBe('blue');
      });

      it('composite_advice naming no tree is a BadRequest; naming an unknown tree is NoConfiguration', async () => {
        expect(
          (await rejection(start({ indexType: 'composite_advice', indexValue: '<Advices/>' }))).kind,
        ).toBe('BadRequest');
        const unknown =
          '<Advices><AttributeValuePair><Attribute name="AuthenticateToServiceConditionAdvice"/><Value>/alpha:Nope</Value></AttributeValuePair></Advices>';
        expect((await rejection(start({ indexType: 'composite_advice', indexValue: unknown }))).kind).toBe(
          'NoConfiguration',
        );
      });
    });

    it('refuses to authenticate in an inactive realm', async () => {
      const error = await rejection(authn.authenticate({ realm: registry.byPath('/closed') as Realm }));
      expect(error.kind).toBe<ErrorKind>('BadRequest');
    });

    it('continues in the realm carried by the authId, not the one of the request', async () => {
      const step = asStep(await start());
      const outcome = await authn.authenticate({
        realm: bravo,
        authId: step.authId,
        callbacks: answer(step.callbacks, 'demo', PASSWORD),
      });
      expect(outcome).toMatchObject({ kind: 'success', realm: alpha });
      expect(asSuccess(outcome).identity?.realm).toBe('/alpha');
    });

    it('keeps goto and gotoOnFail from the start of the journey', async () => {
      const step = asStep(
        await start({ goto: 'https://app.example/home', gotoOnFail: 'https://app.example/oops' }),
      );
      const done = asSuccess(await proceed(step, 'demo', PASSWORD));
      expect(done.goto).toBe('https://app.example/home');
      const again = asStep(await start({ gotoOnFail: 'https://app.example/oops' }));
      const error = await rejection(proceed(again, 'demo', 'wrong'));
      expect(error.kind).toBe<ErrorKind>('LoginFailure');
      expect(error.detail).toEqual({ failureUrl: 'https://app.example/oops' });
      const plain = await rejection(start({ zeroPage: { username: 'demo', password: 'wrong' } }));
      expect(plain.detail).toBeUndefined();
    });
  });
});
