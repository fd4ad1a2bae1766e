import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import type { Callback } from '../../src/domain/authn/callbacks.js';
import {
  checkSubmission,
  isZeroPageCandidate,
  type JourneyResult,
  newJourney,
  runJourney,
} from '../../src/domain/authn/journey.js';
import { amJsonText, failedPolicies, policiesOf } from '../../src/domain/authn/nodes/policies.js';
import type { NodeServices } from '../../src/domain/authn/nodes/types.js';
import {
  defaultTrees,
  FAILURE,
  type NodeDefinition,
  SUCCESS,
  type Tree,
} from '../../src/domain/authn/tree.js';
import { TreeCatalog, TreeDefinitionError } from '../../src/domain/authn/tree-catalog.js';
import { AnvilError } from '../../src/domain/errors.js';
import { IdentityService } from '../../src/domain/identity/identity-service.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import { MemoryIdentityStore, MemoryLockoutStore } from '../../src/stores/memory/index.js';
import { FakeHasher, realms } from './fixtures.js';
import { asPage, fill, out, validateOnly } from './journey-helpers.js';

/**
 * The Platform nodes (Platform Username, Platform Password, Accept Terms and Conditions) and the
 * nodes standing in for AM's scripted callbacks (text input, hidden value, metadata, redirect):
 * the callbacks they show, what they keep, when they ask again (policies, validateOnly) and the
 * settings checked at boot.
 */

const PASSWORD = 'Ch4ng31t!';
const MIN_LENGTH_3 = '{ "params": { "minLength": 3 }, "policyRequirement": "MIN_LENGTH" }';
const REQUIRED = '{ "policyRequirement": "REQUIRED" }';

const validatedUsername = { type: 'PlatformUsername', validateInput: true };
const validatedPassword = { type: 'PlatformPassword', validateInput: true };
const dataStore = (onTrue: string = SUCCESS): NodeDefinition => ({
  type: 'DataStoreDecision',
  outcomes: { true: onTrue, false: FAILURE },
});
const page = (next: string, ...nodes: Record<string, unknown>[]): NodeDefinition => ({
  type: 'Page',
  header: 'Sign up',
  nodes,
  outcomes: { outcome: next },
});
/** A tree of one node (or page) followed by `then` (a Data Store Decision by default). */
const treeOf = (first: NodeDefinition, then: NodeDefinition = dataStore()): Tree => ({
  name: 'T',
  entry: 'first',
  nodes: { first: { ...first, outcomes: first.outcomes ?? { outcome: 'then' } }, then },
});

describe('Platform and stand-in nodes (through runJourney)', () => {
  let clock: ManualClock;
  let alpha: Realm;
  let services: NodeServices;

  beforeEach(async () => {
    clock = new ManualClock();
    alpha = realms().byPath('/alpha') as Realm;
    const identities = new IdentityService({
      store: new MemoryIdentityStore(),
      hasher: new FakeHasher(),
      clock,
    });
    services = { identities, lockouts: new MemoryLockoutStore(), clock };
    await identities.create(alpha, { username: 'demo', password: PASSWORD });
  });

  function journey(tree: Tree) {
    const catalog = new TreeCatalog([...defaultTrees(), tree]);
    return {
      start: () => runJourney(catalog, alpha, newJourney(alpha, tree, {}, clock.now()), services),
      answer: (result: JourneyResult, ...values: unknown[]) => {
        const shown = asPage(result);
        return runJourney(catalog, alpha, shown.state, services, fill(shown.callbacks, values));
      },
      /** Posts exactly these callbacks back (for redirects: none at all). */
      post: async (result: JourneyResult, callbacks: Callback[]) => {
        const shown = asPage(result);
        checkSubmission(shown.state, callbacks);
        return runJourney(catalog, alpha, shown.state, services, callbacks);
      },
    };
  }

  /** A tree that stops on a Metadata step after `first`, to look at what the journey kept. */
  const thenStop: NodeDefinition = { type: 'MetadataNode', outcomes: { outcome: SUCCESS } };

  describe('PlatformUsername', () => {
    it('without validateInput (AM default) shows a NameCallback and sets the user name and attribute', async () => {
      const j = journey(treeOf({ type: 'PlatformUsername' }, thenStop));
      const first = asPage(await j.start());
      expect(first.callbacks).toEqual([
        {
          type: 'NameCallback',
          output: [{ name: 'prompt', value: 'User Name' }],
          input: [{ name: '', value: '' }],
        },
      ]);
      const next = asPage(await j.answer(first, 'bjensen'));
      expect(next.state.data.username).toBe('bjensen');
      expect(next.state.data.attributes).toEqual({ userName: 'bjensen' });
      // An empty name is not stored, and the journey goes on (AM).
      const empty = asPage(await j.answer(first, ''));
      expect(empty.callbacks[0]?.type).toBe('MetadataCallback');
      expect(empty.state.data.username).toBeUndefined();
    });

    it('with validateInput shows a ValidatedCreateUsernameCallback with IDM-shaped policies', async () => {
      const j = journey(
        treeOf({ ...validatedUsername, minLength: 3, maxLength: 8, forbiddenChars: ['/'] }, thenStop),
      );
      expect(asPage(await j.start()).callbacks).toEqual([
        {
          type: 'ValidatedCreateUsernameCallback',
          output: [
            {
              name: 'policies',
              value: {
                policyRequirements: ['REQUIRED', 'MIN_LENGTH', 'MAX_LENGTH', 'CANNOT_CONTAIN_CHARACTERS'],
                fallbackPolicies: null,
                name: 'userName',
                policies: [
                  { policyRequirements: ['REQUIRED'], policyId: 'required' },
                  {
                    policyRequirements: ['MIN_LENGTH'],
                    policyId: 'minimum-length',
                    params: { minLength: 3 },
                  },
                  {
                    policyRequirements: ['MAX_LENGTH'],
                    policyId: 'maximum-length',
                    params: { maxLength: 8 },
                  },
                  {
                    policyRequirements: ['CANNOT_CONTAIN_CHARACTERS'],
                    policyId: 'cannot-contain-characters',
                    params: { forbiddenChars: ['/'] },
                  },
                ],
                conditionalPolicies: null,
              },
            },
            { name: 'failedPolicies', value: [] },
            { name: 'validateOnly', value: false },
            { name: 'prompt', value: 'Username' },
          ],
          input: [
            { name: '', value: '' },
            { name: 'validateOnly', value: false },
          ],
        },
      ]);
    });

    it('a name that fails a policy comes back with failedPolicies and the name, and the journey stays', async () => {
      const j = journey(treeOf({ ...validatedUsername, minLength: 3, forbiddenChars: ['/'] }, thenStop));
      const first = await j.start();
      const short = asPage(await j.answer(first, 'ab'));
      expect(short.callbacks).toHaveLength(1);
      const callback = short.callbacks[0];
      expect(callback?.type).toBe('ValidatedCreateUsernameCallback');
      expect(out(callback, 'failedPolicies')).toEqual([MIN_LENGTH_3]);
      expect(callback?.input).toEqual([
        { name: '', value: 'ab' },
        { name: 'validateOnly', value: false },
      ]);
      expect(short.state.data.username).toBeUndefined();
      // Several failures, in policy order; an empty name reports REQUIRED only.
      const both = asPage(await j.answer(first, 'a/'));
      expect(out(both.callbacks[0], 'failedPolicies')).toEqual([
        MIN_LENGTH_3,
        '{ "params": { "forbiddenChars": [ "/" ] }, "policyRequirement": "CANNOT_CONTAIN_CHARACTERS" }',
      ]);
      expect(out(asPage(await j.answer(first, '')).callbacks[0], 'failedPolicies')).toEqual([REQUIRED]);
      // Corrected, it moves on.
      const next = asPage(await j.answer(short, 'abc'));
      expect(next.callbacks[0]?.type).toBe('MetadataCallback');
      expect(next.state.data.username).toBe('abc');
    });

    it('validateOnly=true answers the same callback again (failedPolicies filled or empty) and never advances', async () => {
      const j = journey(treeOf({ ...validatedUsername, minLength: 3 }, thenStop));
      const first = await j.start();
      const good = asPage(await j.answer(first, validateOnly('bjensen')));
      expect(good.callbacks[0]?.type).toBe('ValidatedCreateUsernameCallback');
      expect(out(good.callbacks[0], 'failedPolicies')).toEqual([]);
      expect(out(good.callbacks[0], 'validateOnly')).toBe(true);
      expect(good.callbacks[0]?.input).toEqual([
        { name: '', value: 'bjensen' },
        { name: 'validateOnly', value: true },
      ]);
      expect(good.state.data.username).toBeUndefined();
      // The string "true" counts too; a failing value reports its failures.
      const bad = asPage(await j.answer(first, validateOnly('ab', 'true')));
      expect(out(bad.callbacks[0], 'failedPolicies')).toEqual([MIN_LENGTH_3]);
      expect(out(bad.callbacks[0], 'validateOnly')).toBe(true);
      // validateOnly=false submits.
      const next = asPage(await j.answer(good, validateOnly('bjensen', false)));
      expect(next.callbacks[0]?.type).toBe('MetadataCallback');
      expect(next.state.data.username).toBe('bjensen');
    });

    it('unique (for registration) fails for a name the realm already has, whatever its case', async () => {
      const j = journey(treeOf({ ...validatedUsername, unique: true, usernameAttribute: 'mail' }, thenStop));
      const first = await j.start();
      const policies = out(asPage(first).callbacks[0], 'policies') as Record<string, unknown>;
      expect(policies.policyRequirements).toEqual(['REQUIRED', 'UNIQUE']);
      expect(policies.name).toBe('mail');
      for (const taken of ['demo', 'DEMO']) {
        const again = asPage(await j.answer(first, taken));
        expect(out(again.callbacks[0], 'failedPolicies'), taken).toEqual([
          '{ "policyRequirement": "UNIQUE" }',
        ]);
      }
      const next = asPage(await j.answer(first, 'newcomer'));
      expect(next.state.data.attributes).toEqual({ mail: 'newcomer' });
    });

    it('required: false lets an empty name through', async () => {
      const j = journey(treeOf({ ...validatedUsername, required: false, minLength: 3 }, thenStop));
      const next = asPage(await j.answer(await j.start(), ''));
      expect(next.callbacks[0]?.type).toBe('MetadataCallback');
      expect(out(asPage(await j.start()).callbacks[0], 'policies')).toMatchObject({
        policyRequirements: ['MIN_LENGTH'],
      });
    });
  });

  describe('PlatformPassword', () => {
    it('without validateInput shows a PasswordCallback; the Data Store Decision checks the password', async () => {
      const j = journey({
        name: 'PlatformLogin',
        entry: 'p',
        nodes: { p: page('ds', { type: 'PlatformUsername' }, { type: 'PlatformPassword' }), ds: dataStore() },
      });
      const first = await j.start();
      expect(asPage(first).callbacks.map((c) => [c.type, out(c, 'prompt')])).toEqual([
        ['NameCallback', 'User Name'],
        ['PasswordCallback', 'Password'],
      ]);
      // Name and password only: a zero-page login candidate, as AM's Login journey is.
      expect(isZeroPageCandidate(first)).toBe(true);
      expect(await j.answer(first, 'demo', PASSWORD)).toMatchObject({ kind: 'success', username: 'demo' });
      expect(await j.answer(first, 'demo', 'wrong')).toEqual({ kind: 'failure', locked: false });
    });

    it('with validateInput shows a ValidatedCreatePasswordCallback (echoOn false) with its policies', async () => {
      const j = journey(treeOf({ ...validatedPassword, minLength: 8, minCapitals: 1, minNumbers: 2 }));
      expect(asPage(await j.start()).callbacks).toEqual([
        {
          type: 'ValidatedCreatePasswordCallback',
          output: [
            { name: 'echoOn', value: false },
            {
              name: 'policies',
              value: {
                policyRequirements: [
                  'REQUIRED',
                  'MIN_LENGTH',
                  'AT_LEAST_X_CAPITAL_LETTERS',
                  'AT_LEAST_X_NUMBERS',
                ],
                fallbackPolicies: null,
                name: 'password',
                policies: [
                  { policyRequirements: ['REQUIRED'], policyId: 'required' },
                  {
                    policyRequirements: ['MIN_LENGTH'],
                    policyId: 'minimum-length',
                    params: { minLength: 8 },
                  },
                  {
                    policyRequirements: ['AT_LEAST_X_CAPITAL_LETTERS'],
                    policyId: 'at-least-X-capitals',
                    params: { numCaps: 1 },
                  },
                  {
                    policyRequirements: ['AT_LEAST_X_NUMBERS'],
                    policyId: 'at-least-X-numbers',
                    params: { numNums: 2 },
                  },
                ],
                conditionalPolicies: null,
              },
            },
            { name: 'failedPolicies', value: [] },
            { name: 'validateOnly', value: false },
            { name: 'prompt', value: 'Password' },
          ],
          input: [
            { name: '', value: '' },
            { name: 'validateOnly', value: false },
          ],
        },
      ]);
    });

    it('a weak password comes back with every failed policy and is never echoed; validateOnly does not advance', async () => {
      const j = journey({
        name: 'T',
        entry: 'u',
        nodes: {
          u: { type: 'PlatformUsername', outcomes: { outcome: 'p' } },
          p: {
            ...validatedPassword,
            minLength: 8,
            minCapitals: 1,
            minNumbers: 2,
            outcomes: { outcome: 'ds' },
          },
          ds: dataStore(),
        },
      });
      const askPassword = await j.answer(await j.start(), 'demo');
      const weak = asPage(await j.answer(askPassword, 'abc'));
      expect(out(weak.callbacks[0], 'failedPolicies')).toEqual([
        '{ "params": { "minLength": 8 }, "policyRequirement": "MIN_LENGTH" }',
        '{ "params": { "numCaps": 1 }, "policyRequirement": "AT_LEAST_X_CAPITAL_LETTERS" }',
        '{ "params": { "numNums": 2 }, "policyRequirement": "AT_LEAST_X_NUMBERS" }',
      ]);
      expect(weak.callbacks[0]?.input?.[0]).toEqual({ name: '', value: '' });
      expect(weak.state.data.password).toBeUndefined();
      const checked = asPage(await j.answer(weak, validateOnly(PASSWORD)));
      expect(out(checked.callbacks[0], 'failedPolicies')).toEqual([]);
      expect(out(checked.callbacks[0], 'validateOnly')).toBe(true);
      expect(checked.callbacks[0]?.input?.[0]).toEqual({ name: '', value: '' });
      expect(checked.state.data.password).toBeUndefined();
      expect(await j.answer(checked, validateOnly(PASSWORD, false))).toMatchObject({
        kind: 'success',
        username: 'demo',
      });
    });

    it('in a Page with Platform Username: every node reports its failures in one response', async () => {
      const j = journey({
        name: 'Registration',
        entry: 'p',
        nodes: {
          p: page(
            'ds',
            { ...validatedUsername, minLength: 3 },
            { type: 'TextInputCollector', prompt: 'Nickname', attribute: 'nickname' },
            { ...validatedPassword, minLength: 8 },
          ),
          ds: dataStore(),
        },
      });
      const first = await j.start();
      const both = asPage(await j.answer(first, 'ab', 'Babs', 'short'));
      expect(both.header).toBe('Sign up');
      expect(both.callbacks.map((c) => c.type)).toEqual([
        'ValidatedCreateUsernameCallback',
        'TextInputCallback',
        'ValidatedCreatePasswordCallback',
      ]);
      expect(out(both.callbacks[0], 'failedPolicies')).toEqual([MIN_LENGTH_3]);
      expect(out(both.callbacks[2], 'failedPolicies')).toEqual([
        '{ "params": { "minLength": 8 }, "policyRequirement": "MIN_LENGTH" }',
      ]);
      // Only the password fails: the user name's callback is shown afresh.
      const one = asPage(await j.answer(first, 'demo', 'Babs', 'short'));
      expect(out(one.callbacks[0], 'failedPolicies')).toEqual([]);
      expect(out(one.callbacks[2], 'failedPolicies')).toHaveLength(1);
      // validateOnly on one callback keeps the whole page; the flag comes back set, so the client
      // clears it to submit (as the SDKs do).
      const probe = asPage(await j.answer(first, validateOnly('demo'), 'Babs', PASSWORD));
      expect(probe.callbacks.map((c) => c.type)).toHaveLength(3);
      expect(probe.callbacks[0]?.input?.[1]).toEqual({ name: 'validateOnly', value: true });
      expect(asPage(await j.answer(probe, 'demo', 'Babs', PASSWORD)).callbacks).toHaveLength(3);
      expect(await j.answer(probe, validateOnly('demo', false), 'Babs', PASSWORD)).toMatchObject({
        kind: 'success',
        username: 'demo',
      });
    });
  });

  describe('AcceptTermsAndConditions', () => {
    const terms = {
      type: 'AcceptTermsAndConditions',
      version: '2.1',
      terms: 'Be nice.',
      createDate: '2025-11-03T10:00:00.000Z',
    };

    it('shows the configured terms; declining shows them again; accepting records version and date', async () => {
      const j = journey(
        treeOf(terms, {
          type: 'MetadataNode',
          attributes: ['termsAccepted'],
          outcomes: { outcome: SUCCESS },
        }),
      );
      const first = asPage(await j.start());
      expect(first.callbacks).toEqual([
        {
          type: 'TermsAndConditionsCallback',
          output: [
            { name: 'version', value: '2.1' },
            { name: 'terms', value: 'Be nice.' },
            { name: 'createDate', value: '2025-11-03T10:00:00.000Z' },
          ],
          input: [{ name: '', value: false }],
        },
      ]);
      for (const declined of [false, 'false', 'yes']) {
        const again = asPage(await j.answer(first, declined));
        expect(again.callbacks[0]?.type, String(declined)).toBe('TermsAndConditionsCallback');
        expect(again.state.data.termsAccepted).toBeUndefined();
      }
      clock.advanceMinutes(2);
      for (const accepted of [true, 'true']) {
        const next = asPage(await j.answer(first, accepted));
        const recorded = { acceptDate: '2026-01-01T09:02:00.000Z', termsVersion: '2.1' };
        expect(next.state.data.termsAccepted).toEqual(recorded);
        expect(out(next.callbacks[0], 'data')).toEqual({ termsAccepted: recorded });
      }
    });
  });

  describe('TextInputCollector and HiddenValueCollector', () => {
    it('a TextInputCallback (prompt, defaultText; empty input) whose answer is kept under the attribute', async () => {
      const node = {
        type: 'TextInputCollector',
        prompt: 'Nickname',
        defaultText: 'Babs',
        attribute: 'nickname',
      };
      const j = journey(treeOf(node, thenStop));
      const first = asPage(await j.start());
      expect(first.callbacks).toEqual([
        {
          type: 'TextInputCallback',
          output: [
            { name: 'prompt', value: 'Nickname' },
            { name: 'defaultText', value: 'Babs' },
          ],
          input: [{ name: '', value: '' }],
        },
      ]);
      expect(asPage(await j.answer(first, 'Barbara')).state.data.attributes).toEqual({ nickname: 'Barbara' });
      // Optional by default: an empty answer is kept as such; required shows it again.
      expect(asPage(await j.answer(first, '')).state.data.attributes).toEqual({ nickname: '' });
      const strict = journey(treeOf({ ...node, required: true }, thenStop));
      const again = asPage(await strict.answer(await strict.start(), ''));
      expect(again.callbacks[0]?.type).toBe('TextInputCallback');
    });

    it('a HiddenValueCallback (value, id; the input starts as the id) whose returned value is kept', async () => {
      const j = journey(
        treeOf({ type: 'HiddenValueCollector', id: 'webAuthnOutcome', value: 'false' }, thenStop),
      );
      const first = asPage(await j.start());
      expect(first.callbacks).toEqual([
        {
          type: 'HiddenValueCallback',
          output: [
            { name: 'value', value: 'false' },
            { name: 'id', value: 'webAuthnOutcome' },
          ],
          input: [{ name: '', value: 'webAuthnOutcome' }],
        },
      ]);
      expect(asPage(await j.answer(first, 'unsupported')).state.data.attributes).toEqual({
        webAuthnOutcome: 'unsupported',
      });
      // Left untouched, the id comes back; `attribute` picks another name.
      expect(asPage(await j.answer(first)).state.data.attributes).toEqual({
        webAuthnOutcome: 'webAuthnOutcome',
      });
      const named = journey(
        treeOf({ type: 'HiddenValueCollector', id: 'x', attribute: 'clientInfo' }, thenStop),
      );
      expect(asPage(await named.answer(await named.start(), 'v')).state.data.attributes).toEqual({
        clientInfo: 'v',
      });
    });
  });

  describe('MetadataNode', () => {
    it('shows its data (plus the journey values it names) and moves on when the step is posted back', async () => {
      const j = journey({
        name: 'T',
        entry: 'u',
        nodes: {
          u: { type: 'PlatformUsername', outcomes: { outcome: 'm' } },
          m: {
            type: 'MetadataNode',
            data: { relyingPartyId: 'example.com', nested: { a: [1, 2] } },
            attributes: ['username', 'userName', 'notSet'],
            outcomes: { outcome: 'u2' },
          },
          u2: { type: 'PlatformUsername', outcomes: { outcome: SUCCESS } },
        },
      });
      const meta = asPage(await j.answer(await j.start(), 'demo'));
      expect(meta.callbacks).toEqual([
        {
          type: 'MetadataCallback',
          output: [
            {
              name: 'data',
              value: {
                relyingPartyId: 'example.com',
                nested: { a: [1, 2] },
                username: 'demo',
                userName: 'demo',
              },
            },
          ],
        },
      ]);
      expect(asPage(await j.answer(meta)).callbacks[0]?.type).toBe('NameCallback');
    });

    it('sits in a Page beside collectors, taking no answer', async () => {
      const j = journey({
        name: 'T',
        entry: 'p',
        nodes: {
          p: page(
            'ds',
            { type: 'MetadataNode', data: { stage: 'one' } },
            { type: 'PlatformUsername' },
            { type: 'PlatformPassword' },
          ),
          ds: dataStore(),
        },
      });
      const first = await j.start();
      expect(asPage(first).callbacks.map((c) => c.type)).toEqual([
        'MetadataCallback',
        'NameCallback',
        'PasswordCallback',
      ]);
      expect(isZeroPageCandidate(first)).toBe(false);
      expect(await j.answer(first, undefined, 'demo', PASSWORD)).toMatchObject({ kind: 'success' });
    });
  });

  describe('RedirectNode', () => {
    it('GET: redirectUrl, redirectMethod, trackingCookie; no redirectData, no input', async () => {
      const j = journey(
        treeOf({
          type: 'RedirectNode',
          redirectUrl: 'https://idp.example.com/authorize?x=1',
          trackingCookie: true,
        }),
      );
      expect(asPage(await j.start()).callbacks).toEqual([
        {
          type: 'RedirectCallback',
          output: [
            { name: 'redirectUrl', value: 'https://idp.example.com/authorize?x=1' },
            { name: 'redirectMethod', value: 'GET' },
            { name: 'trackingCookie', value: true },
          ],
        },
      ]);
    });

    it('POST: redirectData (the form fields) last; the journey goes on when the client comes back', async () => {
      const j = journey({
        name: 'T',
        entry: 'r',
        nodes: {
          r: {
            type: 'RedirectNode',
            redirectUrl: 'https://idp.example.com/saml',
            redirectMethod: 'POST',
            redirectData: { SAMLRequest: 'abc', RelayState: 'xyz' },
            outcomes: { outcome: 'u' },
          },
          u: { type: 'PlatformUsername', outcomes: { outcome: SUCCESS } },
        },
      });
      const redirect = asPage(await j.start());
      expect(redirect.callbacks[0]?.output).toEqual([
        { name: 'redirectUrl', value: 'https://idp.example.com/saml' },
        { name: 'redirectMethod', value: 'POST' },
        { name: 'trackingCookie', value: false },
        { name: 'redirectData', value: { SAMLRequest: 'abc', RelayState: 'xyz' } },
      ]);
      expect(redirect.callbacks[0]).not.toHaveProperty('input');
      // Back with the saved step, or with the authId alone.
      expect(asPage(await j.post(redirect, redirect.callbacks)).callbacks[0]?.type).toBe('NameCallback');
      expect(asPage(await j.post(redirect, [])).callbacks[0]?.type).toBe('NameCallback');
    });

    it('only a redirect step may be continued without callbacks', async () => {
      const j = journey(treeOf({ type: 'PlatformUsername' }));
      const error = await j.post(await j.start(), []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AnvilError);
      expect((error as AnvilError).message).toBe('Incorrect number of callbacks found in JSON response');
    });
  });
});

describe('policies', () => {
  it('writes failed policies as AM prints JSON', () => {
    expect(amJsonText({ params: { minLength: 8 }, policyRequirement: 'MIN_LENGTH' })).toBe(
      '{ "params": { "minLength": 8 }, "policyRequirement": "MIN_LENGTH" }',
    );
    expect(amJsonText({ a: [], b: {}, c: null, d: true, e: 'q"' })).toBe(
      '{ "a": [ ], "b": { }, "c": null, "d": true, "e": "q\\"" }',
    );
    for (const text of [MIN_LENGTH_3, REQUIRED]) expect(() => JSON.parse(text)).not.toThrow();
  });

  it('counts capitals and digits, and lengths in characters', () => {
    const policies = policiesOf({ minLength: 3, maxLength: 4, minCapitals: 2, minNumbers: 1 }, 'password');
    expect(failedPolicies('ÄBc1', policies)).toEqual([
      '{ "params": { "numCaps": 2 }, "policyRequirement": "AT_LEAST_X_CAPITAL_LETTERS" }',
    ]);
    expect(failedPolicies('ABC12', policies)).toEqual([
      '{ "params": { "maxLength": 4 }, "policyRequirement": "MAX_LENGTH" }',
    ]);
    expect(failedPolicies('😀AB1', policies)).toEqual([]);
    // A setting of the other node is ignored: a password is never checked for uniqueness.
    expect(policiesOf({ unique: true }, 'password').map((p) => p.requirement)).toEqual(['REQUIRED']);
  });
});

describe('settings checked at boot', () => {
  /** The catalog's problems for a tree holding `node` (in a Page too when it is a collector). */
  function problems(node: Record<string, unknown>, inPage = false): string {
    const definition: NodeDefinition = inPage
      ? { type: 'Page', nodes: [node], outcomes: { outcome: SUCCESS } }
      : { ...node, type: String(node.type), outcomes: { outcome: SUCCESS } };
    try {
      new TreeCatalog([{ name: 'Bad', entry: 'n', nodes: { n: definition } }]);
    } catch (error) {
      if (error instanceof TreeDefinitionError) return error.message;
      throw error;
    }
    return '';
  }

  it('accepts every new node with its settings, in and out of Pages', () => {
    const good: Record<string, unknown>[] = [
      { type: 'PlatformUsername' },
      {
        ...validatedUsername,
        required: false,
        unique: true,
        minLength: 1,
        maxLength: 9,
        forbiddenChars: ['/'],
      },
      { type: 'PlatformPassword', prompt: 'Secret', passwordAttribute: 'pw' },
      { ...validatedPassword, minLength: 8, maxLength: 64, minCapitals: 1, minNumbers: 1 },
      { type: 'AcceptTermsAndConditions', version: '1', terms: 'T' },
      { type: 'TextInputCollector', attribute: 'a', prompt: 'P', defaultText: 'd', required: true },
      { type: 'HiddenValueCollector', id: 'i', value: 'v', attribute: 'a' },
      { type: 'MetadataNode' },
      { type: 'MetadataNode', data: { a: 1 }, attributes: ['username'] },
    ];
    for (const node of good) {
      expect(problems(node), JSON.stringify(node)).toBe('');
      expect(problems(node, true), JSON.stringify(node)).toBe('');
    }
    expect(problems({ type: 'RedirectNode', redirectUrl: 'http://localhost:3000/cb' })).toBe('');
    expect(
      problems({
        type: 'RedirectNode',
        redirectUrl: 'https://x.example',
        redirectMethod: 'POST',
        redirectData: {},
      }),
    ).toBe('');
  });

  it('names the node type and the setting that is wrong', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { type: 'PlatformUsername', minLength: 3 },
        'PlatformUsername "minLength" only applies with "validateInput": true',
      ],
      [
        { ...validatedUsername, minLength: -1 },
        'PlatformUsername "minLength" must be a whole number (0 or more), not -1',
      ],
      [
        { ...validatedUsername, minLength: 9, maxLength: 3 },
        'PlatformUsername "minLength" (9) is more than "maxLength" (3)',
      ],
      [{ ...validatedUsername, minCapitals: 1 }, 'PlatformUsername has no "minCapitals" setting'],
      [
        { ...validatedUsername, forbiddenChars: '/' },
        'PlatformUsername "forbiddenChars" must be a list of strings',
      ],
      [
        { type: 'PlatformUsername', validateInput: 'yes' },
        'PlatformUsername "validateInput" must be true or false',
      ],
      [{ type: 'PlatformUsername', usernameAttribute: '' }, 'PlatformUsername needs "usernameAttribute"'],
      [{ ...validatedPassword, unique: true }, 'PlatformPassword has no "unique" setting'],
      [{ ...validatedPassword, minNumbers: 1.5 }, 'PlatformPassword "minNumbers" must be a whole number'],
      [{ type: 'PlatformPassword', prompt: 3 }, 'PlatformPassword "prompt" must be a string, not 3'],
      [{ type: 'AcceptTermsAndConditions', terms: 'T' }, 'AcceptTermsAndConditions needs "version"'],
      [{ type: 'AcceptTermsAndConditions', version: '1' }, 'AcceptTermsAndConditions needs "terms"'],
      [{ type: 'TextInputCollector' }, 'TextInputCollector needs "attribute"'],
      [{ type: 'HiddenValueCollector', id: ' ' }, 'HiddenValueCollector needs "id"'],
      [{ type: 'MetadataNode', data: [1] }, 'MetadataNode "data" must be an object, not [1]'],
      [
        { type: 'MetadataNode', attributes: 'username' },
        'MetadataNode "attributes" must be a list of strings',
      ],
    ];
    for (const [node, message] of cases) {
      expect(problems(node), message).toContain(`tree Bad, node n: ${message}`);
      expect(problems(node, true), message).toContain(`tree Bad, node n, page node 1: ${message}`);
    }
  });

  it('RedirectNode: an absolute http(s) URL, GET or POST, redirectData only with POST; never in a Page', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'RedirectNode' }, 'RedirectNode needs "redirectUrl": an absolute http(s) URL, not undefined'],
      [{ type: 'RedirectNode', redirectUrl: '/relative' }, 'RedirectNode needs "redirectUrl"'],
      [{ type: 'RedirectNode', redirectUrl: 'javascript:alert(1)' }, 'RedirectNode needs "redirectUrl"'],
      [
        { type: 'RedirectNode', redirectUrl: 'https://x', redirectMethod: 'PUT' },
        'RedirectNode "redirectMethod" is GET or POST, not "PUT"',
      ],
      [
        { type: 'RedirectNode', redirectUrl: 'https://x', redirectData: { a: 'b' } },
        'RedirectNode "redirectData" is only sent with "redirectMethod": POST',
      ],
      [
        { type: 'RedirectNode', redirectUrl: 'https://x', redirectMethod: 'POST', redirectData: { a: 1 } },
        'RedirectNode "redirectData" must be an object of strings',
      ],
      [
        { type: 'RedirectNode', redirectUrl: 'https://x', trackingCookie: 'no' },
        'RedirectNode "trackingCookie" must be true or false',
      ],
    ];
    for (const [node, message] of cases)
      expect(problems(node), message).toContain(`tree Bad, node n: ${message}`);
    expect(problems({ type: 'RedirectNode', redirectUrl: 'https://x' }, true)).toContain(
      'page node 1 (RedirectNode) cannot sit in a Page',
    );
  });
});
