import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import {
  checkSubmission,
  isZeroPageCandidate,
  type JourneyResult,
  type JourneyState,
  newJourney,
  runJourney,
} from '../../src/domain/authn/journey.js';
import type { NodeServices } from '../../src/domain/authn/nodes/types.js';
import {
  defaultTrees,
  FAILURE,
  type NodeDefinition,
  SUCCESS,
  type Tree,
} from '../../src/domain/authn/tree.js';
import { TreeCatalog } from '../../src/domain/authn/tree-catalog.js';
import { AnvilError, type ErrorKind } from '../../src/domain/errors.js';
import { IdentityService } from '../../src/domain/identity/identity-service.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import { MemoryIdentityStore, MemoryLockoutStore } from '../../src/stores/memory/index.js';
import { FakeHasher, realms } from './fixtures.js';
import { asPage, credentialsPage, fill, out } from './journey-helpers.js';

const PASSWORD = 'Ch4ng31t!';

async function rejection(promise: Promise<unknown>): Promise<AnvilError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AnvilError) return error;
    throw error;
  }
  throw new Error('expected an AnvilError');
}

/** A tree: a node, then SUCCESS/FAILURE; each outcome leads to the end named by `ends`. */
const userPage = (next: string): NodeDefinition => ({
  type: 'Page',
  nodes: [{ type: 'UsernameCollector' }],
  outcomes: { outcome: next },
});
const dataStore = (onTrue: string, onFalse: string = FAILURE): NodeDefinition => ({
  type: 'DataStoreDecision',
  outcomes: { true: onTrue, false: onFalse },
});

describe('journey nodes (through runJourney)', () => {
  let clock: ManualClock;
  let alpha: Realm;
  let identities: IdentityService;
  let lockouts: MemoryLockoutStore;
  let services: NodeServices;

  beforeEach(async () => {
    clock = new ManualClock();
    alpha = realms().byPath('/alpha') as Realm;
    identities = new IdentityService({ store: new MemoryIdentityStore(), hasher: new FakeHasher(), clock });
    lockouts = new MemoryLockoutStore();
    services = { identities, lockouts, clock };
    await identities.create(alpha, { username: 'demo', password: PASSWORD });
    await identities.create(alpha, { username: 'off', password: PASSWORD, status: 'Inactive' });
  });

  /** Runs `trees[0]` (the others are available as inner trees) in /alpha. */
  function journey(...trees: Tree[]) {
    const catalog = new TreeCatalog([...defaultTrees(), ...trees]);
    const first = trees[0] as Tree;
    return {
      start: (state: JourneyState = newJourney(alpha, first, {}, services.clock.now())) =>
        runJourney(catalog, alpha, state, services),
      /** Answers the page `result` with `values`, one per callback. */
      answer: (result: JourneyResult, ...values: unknown[]) => {
        const page = asPage(result);
        return runJourney(catalog, alpha, page.state, services, fill(page.callbacks, values));
      },
    };
  }

  const types = (result: JourneyResult) => asPage(result).callbacks.map((c) => c.type);

  describe('UsernameCollector and PasswordCollector', () => {
    it('show a NameCallback and a PasswordCallback (default or configured prompts) and collect the values', async () => {
      const j = journey({
        name: 'Creds',
        entry: 'p',
        nodes: {
          p: {
            type: 'Page',
            nodes: [{ type: 'UsernameCollector', prompt: 'Who?' }, { type: 'PasswordCollector' }],
            outcomes: { outcome: 'ds' },
          },
          ds: dataStore(SUCCESS),
        },
      });
      const page = asPage(await j.start());
      expect(page.callbacks).toEqual([
        {
          type: 'NameCallback',
          output: [{ name: 'prompt', value: 'Who?' }],
          input: [{ name: '', value: '' }],
        },
        {
          type: 'PasswordCallback',
          output: [{ name: 'prompt', value: 'Password' }],
          input: [{ name: '', value: '' }],
        },
      ]);
      expect(await j.answer(page, 'demo', PASSWORD)).toMatchObject({ kind: 'success', username: 'demo' });
      expect(await j.answer(page, 'demo', 'wrong')).toEqual({ kind: 'failure', locked: false });
    });

    it('stand outside a Page too, each on its own step', async () => {
      const j = journey({
        name: 'Separate',
        entry: 'u',
        nodes: {
          u: { type: 'UsernameCollector', outcomes: { outcome: 'p' } },
          p: { type: 'PasswordCollector', outcomes: { outcome: 'ds' } },
          ds: dataStore(SUCCESS),
        },
      });
      const first = await j.start();
      expect(types(first)).toEqual(['NameCallback']);
      const second = await j.answer(first, 'demo');
      expect(types(second)).toEqual(['PasswordCallback']);
      expect(asPage(second).state.data.username).toBe('demo');
      expect(await j.answer(second, PASSWORD)).toMatchObject({ kind: 'success', username: 'demo' });
    });
  });

  describe('Page', () => {
    const paged: Tree = {
      name: 'Paged',
      entry: 'p',
      nodes: {
        p: {
          type: 'Page',
          header: 'Welcome',
          description: 'Please sign in',
          stage: 'LOGIN_STAGE',
          nodes: [
            { type: 'UsernameCollector' },
            { type: 'PasswordCollector' },
            { type: 'ChoiceCollector', choices: ['in', 'out'] },
          ],
          outcomes: { in: 'ds', out: FAILURE },
        },
        ds: dataStore(SUCCESS),
      },
    };

    it('shows the callbacks of all its nodes at once, with its header, description and stage', async () => {
      const page = asPage(await journey(paged).start());
      expect(page.callbacks.map((c) => c.type)).toEqual([
        'NameCallback',
        'PasswordCallback',
        'ChoiceCallback',
      ]);
      expect(page).toMatchObject({ header: 'Welcome', description: 'Please sign in', stage: 'LOGIN_STAGE' });
    });

    it('deals the answers back in order and takes the outcome of its last node', async () => {
      const j = journey(paged);
      const page = await j.start();
      expect(await j.answer(page, 'demo', PASSWORD, 0)).toMatchObject({ kind: 'success', username: 'demo' });
      expect(await j.answer(page, 'demo', PASSWORD, 1)).toEqual({ kind: 'failure', locked: false });
    });

    it('is shown again, whole, when one of its nodes asks again', async () => {
      const j = journey(paged);
      const again = asPage(await j.answer(await j.start(), 'demo', PASSWORD, 7));
      expect(again.callbacks.map((c) => c.type)).toEqual([
        'NameCallback',
        'PasswordCallback',
        'ChoiceCallback',
      ]);
      expect(again.header).toBe('Welcome');
      expect(await j.answer(again, 'demo', PASSWORD, 0)).toMatchObject({ kind: 'success' });
    });

    it('omits header, description and stage when not configured', async () => {
      const page = asPage(
        await journey({
          name: 'Bare',
          entry: 'p',
          nodes: { p: credentialsPage('ds'), ds: dataStore(SUCCESS) },
        }).start(),
      );
      expect(page).not.toHaveProperty('header');
      expect(page).not.toHaveProperty('description');
      expect(page).not.toHaveProperty('stage');
    });
  });

  describe('ChoiceCollector', () => {
    const choose = (settings: Record<string, unknown> = {}): Tree => ({
      name: 'Choose',
      entry: 'p',
      nodes: {
        p: {
          type: 'Page',
          nodes: [
            { type: 'UsernameCollector' },
            { type: 'ChoiceCollector', choices: ['one', 'two', 'three'], ...settings },
          ],
          outcomes: { one: 'props1', two: 'props2', three: FAILURE },
        },
        props1: {
          type: 'SetSessionProperties',
          properties: { picked: 'one' },
          outcomes: { outcome: SUCCESS },
        },
        props2: {
          type: 'SetSessionProperties',
          properties: { picked: 'two' },
          outcomes: { outcome: SUCCESS },
        },
      },
    });

    it('shows a ChoiceCallback: prompt, choices, defaultChoice, and the default as the input', async () => {
      const choice = asPage(await journey(choose({ prompt: 'Pick', defaultChoice: 1 })).start()).callbacks[1];
      expect(choice).toEqual({
        type: 'ChoiceCallback',
        output: [
          { name: 'prompt', value: 'Pick' },
          { name: 'choices', value: ['one', 'two', 'three'] },
          { name: 'defaultChoice', value: 1 },
        ],
        input: [{ name: '', value: 1 }],
      });
      expect(out(asPage(await journey(choose()).start()).callbacks[1], 'defaultChoice')).toBe(0);
    });

    it('leads to the outcome named after the chosen choice; string digits are accepted', async () => {
      const j = journey(choose());
      const page = await j.start();
      const one = await j.answer(page, 'demo', 0);
      expect(one).toMatchObject({ kind: 'success', data: { sessionProperties: { picked: 'one' } } });
      const two = await j.answer(page, 'demo', '1');
      expect(two).toMatchObject({ kind: 'success', data: { sessionProperties: { picked: 'two' } } });
      expect(await j.answer(page, 'demo', 2)).toEqual({ kind: 'failure', locked: false });
      // The default input value, posted back unchanged, is a choice too.
      expect(await j.answer(page, 'demo')).toMatchObject({ data: { sessionProperties: { picked: 'one' } } });
    });

    it('asks again for an index that is out of range or not a whole number', async () => {
      const j = journey(choose());
      const page = await j.start();
      for (const bad of [3, -1, '-1', 1.5, 'two', '', null, true]) {
        const again = await j.answer(page, 'demo', bad);
        expect(types(again), String(bad)).toEqual(['NameCallback', 'ChoiceCallback']);
      }
    });
  });

  describe('AttributeCollector', () => {
    const collect: Tree = {
      name: 'Collect',
      entry: 'p',
      nodes: {
        p: {
          type: 'Page',
          nodes: [
            { type: 'UsernameCollector' },
            {
              type: 'AttributeCollector',
              attributes: [
                { name: 'mail', prompt: 'Email Address' },
                'givenName',
                { name: 'nickname', required: false },
                { name: 'preferences/marketing', prompt: 'Send me news', type: 'boolean' },
              ],
            },
          ],
          outcomes: { outcome: 'again' },
        },
        // The same attribute shown a second time shows the collected value.
        again: {
          type: 'AttributeCollector',
          attributes: ['mail', { name: 'preferences/marketing', type: 'boolean' }],
          outcomes: { outcome: SUCCESS },
        },
      },
    };

    it('shows one String/BooleanAttributeInputCallback per attribute, with a validateOnly input', async () => {
      const page = asPage(await journey(collect).start());
      expect(page.callbacks.map((c) => c.type)).toEqual([
        'NameCallback',
        'StringAttributeInputCallback',
        'StringAttributeInputCallback',
        'StringAttributeInputCallback',
        'BooleanAttributeInputCallback',
      ]);
      expect(page.callbacks[1]).toEqual({
        type: 'StringAttributeInputCallback',
        output: [
          { name: 'name', value: 'mail' },
          { name: 'prompt', value: 'Email Address' },
          { name: 'required', value: true },
          { name: 'policies', value: {} },
          { name: 'failedPolicies', value: [] },
          { name: 'validateOnly', value: false },
          { name: 'value', value: '' },
        ],
        input: [
          { name: '', value: '' },
          { name: 'validateOnly', value: false },
        ],
      });
      expect(out(page.callbacks[2], 'prompt')).toBe('givenName');
      expect(out(page.callbacks[3], 'required')).toBe(false);
      expect(page.callbacks[4]).toMatchObject({
        type: 'BooleanAttributeInputCallback',
        input: [
          { name: '', value: false },
          { name: 'validateOnly', value: false },
        ],
      });
      expect(out(page.callbacks[4], 'value')).toBe(false);
      expect(out(page.callbacks[4], 'prompt')).toBe('Send me news');
    });

    it('collects the values, which later collectors show as current values', async () => {
      const j = journey(collect);
      const next = asPage(await j.answer(await j.start(), 'demo', 'demo@example.com', 'Demo', '', true));
      expect(next.state.data.attributes).toEqual({
        mail: 'demo@example.com',
        givenName: 'Demo',
        nickname: '',
        'preferences/marketing': true,
      });
      expect(out(next.callbacks[0], 'value')).toBe('demo@example.com');
      expect(next.callbacks[0]?.input?.[0]?.value).toBe('demo@example.com');
      expect(out(next.callbacks[1], 'value')).toBe(true);
      // Booleans may come back as strings.
      const done = await j.answer(next, 'new@example.com', 'false');
      expect(done).toMatchObject({
        kind: 'success',
        data: { attributes: { mail: 'new@example.com', 'preferences/marketing': false } },
      });
    });

    it('asks again when a required string is left empty', async () => {
      const j = journey(collect);
      const again = await j.answer(await j.start(), 'demo', '', 'Demo', '', false);
      expect(types(again)[1]).toBe('StringAttributeInputCallback');
      expect(asPage(again).callbacks).toHaveLength(5);
    });
  });

  describe('Message', () => {
    const message = (settings: Record<string, unknown>): Tree => ({
      name: 'Msg',
      entry: 'u',
      nodes: {
        u: userPage('m'),
        m: { type: 'Message', ...settings, outcomes: { true: SUCCESS, false: FAILURE } },
      },
    });

    it('shows a TextOutputCallback and a ConfirmationCallback with the two answers', async () => {
      const j = journey(
        message({ message: 'Accept the terms?', positiveAnswer: 'Accept', negativeAnswer: 'Decline' }),
      );
      const page = asPage(await j.answer(await j.start(), 'demo'));
      expect(page.callbacks[0]).toEqual({
        type: 'TextOutputCallback',
        output: [
          { name: 'message', value: 'Accept the terms?' },
          { name: 'messageType', value: '0' },
        ],
      });
      const confirmation = page.callbacks[1];
      expect(confirmation?.type).toBe('ConfirmationCallback');
      expect(confirmation?.output.map((o) => o.name)).toEqual([
        'prompt',
        'messageType',
        'options',
        'optionType',
        'defaultOption',
      ]);
      expect(out(confirmation, 'options')).toEqual(['Accept', 'Decline']);
      expect(out(confirmation, 'optionType')).toBe(-1);
      expect(confirmation?.input).toEqual([{ name: '', value: out(confirmation, 'defaultOption') }]);
      // Defaults: Yes / No.
      const plain = asPage(
        await journey(message({ message: 'x' })).answer(
          await journey(message({ message: 'x' })).start(),
          'demo',
        ),
      );
      expect(out(plain.callbacks[1], 'options')).toEqual(['Yes', 'No']);
    });

    it('option 0 leads to true, 1 to false; anything else asks again', async () => {
      const j = journey(message({ message: 'Go on?' }));
      const page = await j.answer(await j.start(), 'demo');
      expect(await j.answer(page, undefined, 0)).toMatchObject({ kind: 'success', username: 'demo' });
      expect(await j.answer(page, undefined, '0')).toMatchObject({ kind: 'success' });
      expect(await j.answer(page, undefined, 1)).toEqual({ kind: 'failure', locked: false });
      expect(types(await j.answer(page, undefined, 2))).toEqual([
        'TextOutputCallback',
        'ConfirmationCallback',
      ]);
    });
  });

  describe('PollingWait', () => {
    const waiting: Tree = {
      name: 'Waiting',
      entry: 'u',
      nodes: {
        u: userPage('w'),
        w: { type: 'PollingWait', seconds: 5, message: 'Hold on', outcomes: { done: SUCCESS } },
      },
    };

    it('shows a PollingWaitCallback (waitTime in ms, as a string) until the time has passed', async () => {
      const j = journey(waiting);
      const wait = asPage(await j.answer(await j.start(), 'demo'));
      expect(wait.callbacks).toEqual([
        {
          type: 'PollingWaitCallback',
          output: [
            { name: 'waitTime', value: '5000' },
            { name: 'message', value: 'Hold on' },
          ],
        },
      ]);
      clock.advanceSeconds(3);
      const still = asPage(await j.answer(wait));
      expect(still.callbacks.map((c) => c.type)).toEqual(['PollingWaitCallback']);
      // Measured from the first time it was shown, not from the last poll.
      clock.advanceSeconds(2);
      expect(await j.answer(still)).toMatchObject({ kind: 'success', username: 'demo' });
    });

    it('waits 8 seconds by default', async () => {
      const j = journey({
        ...waiting,
        nodes: { ...waiting.nodes, w: { type: 'PollingWait', outcomes: { done: SUCCESS } } },
      });
      const wait = asPage(await j.answer(await j.start(), 'demo'));
      expect(out(wait.callbacks[0], 'waitTime')).toBe('8000');
      clock.advance(7999);
      expect((await j.answer(wait)).kind).toBe('page');
      clock.advance(1);
      expect((await j.answer(wait)).kind).toBe('success');
    });
  });

  describe('DataStoreDecision', () => {
    const j = () =>
      journey({ name: 'DS', entry: 'p', nodes: { p: credentialsPage('ds'), ds: dataStore(SUCCESS) } });

    it('true for an active identity with that password; the stored user name is kept', async () => {
      const journeyOf = j();
      const result = await journeyOf.answer(await journeyOf.start(), 'DEMO', PASSWORD);
      expect(result).toMatchObject({ kind: 'success', username: 'demo' });
    });

    it('false for a wrong password, an unknown user, an inactive user, an empty name', async () => {
      const journeyOf = j();
      const page = await journeyOf.start();
      for (const [username, password] of [
        ['demo', 'wrong'],
        ['ghost', PASSWORD],
        ['off', PASSWORD],
        ['', PASSWORD],
        ['demo', ''],
      ]) {
        expect(await journeyOf.answer(page, username, password), username).toEqual({
          kind: 'failure',
          locked: false,
        });
      }
    });

    it('drops the password once used: it does not travel on to later steps', async () => {
      const tree: Tree = {
        name: 'After',
        entry: 'p',
        nodes: {
          p: credentialsPage('ds'),
          ds: dataStore('m'),
          m: { type: 'Message', message: 'Welcome', outcomes: { true: SUCCESS, false: FAILURE } },
        },
      };
      const journeyOf = journey(tree);
      const page = asPage(await journeyOf.answer(await journeyOf.start(), 'demo', PASSWORD));
      expect(page.state.data.password).toBeUndefined();
      expect(JSON.stringify(page.state)).not.toContain(PASSWORD);
      expect(page.state.data.username).toBe('demo');
    });
  });

  describe('AccountActiveDecision', () => {
    it('true for an existing active identity; false for an inactive or unknown one', async () => {
      const j = journey({
        name: 'Active',
        entry: 'u',
        nodes: {
          u: userPage('a'),
          a: { type: 'AccountActiveDecision', outcomes: { true: SUCCESS, false: FAILURE } },
        },
      });
      const page = await j.start();
      expect(await j.answer(page, 'demo')).toMatchObject({ kind: 'success', username: 'demo' });
      expect((await j.answer(page, 'off')).kind).toBe('failure');
      expect((await j.answer(page, 'ghost')).kind).toBe('failure');
    });
  });

  describe('RetryLimitDecision', () => {
    const retry = (settings: Record<string, unknown>): Tree => ({
      name: 'Retry',
      entry: 'p',
      nodes: {
        p: credentialsPage('ds'),
        ds: dataStore(SUCCESS, 'retry'),
        retry: { type: 'RetryLimitDecision', ...settings, outcomes: { Retry: 'p', Reject: FAILURE } },
      },
    });

    it('Retry until retryLimit failures, then Reject (3 by default)', async () => {
      const j = journey(retry({}));
      let page = await j.start();
      page = await j.answer(page, 'demo', 'wrong-1');
      expect(types(page)).toEqual(['NameCallback', 'PasswordCallback']);
      page = await j.answer(page, 'demo', 'wrong-2');
      expect(types(page)).toEqual(['NameCallback', 'PasswordCallback']);
      expect(await j.answer(page, 'demo', 'wrong-3')).toEqual({ kind: 'failure', locked: false });
    });

    it('keeps the count per user across journeys by default (saveRetryLimitToUser)', async () => {
      const j = journey(retry({ retryLimit: 2 }));
      const first = await j.answer(await j.start(), 'demo', 'wrong');
      expect(types(first)).toEqual(['NameCallback', 'PasswordCallback']);
      // A new journey: the count carries on.
      expect(await j.answer(await j.start(), 'demo', 'wrong')).toEqual({ kind: 'failure', locked: false });
      // Other users have their own count.
      expect(types(await j.answer(await j.start(), 'other', 'wrong'))).toEqual([
        'NameCallback',
        'PasswordCallback',
      ]);
      expect(await lockouts.increment('/alpha', 'demo')).toBe(3);
    });

    it('counts within the journey only with saveRetryLimitToUser: false', async () => {
      const j = journey(retry({ retryLimit: 2, saveRetryLimitToUser: false }));
      const first = await j.answer(await j.start(), 'demo', 'wrong');
      expect(types(first)).toEqual(['NameCallback', 'PasswordCallback']);
      // A new journey starts from zero.
      expect(types(await j.answer(await j.start(), 'demo', 'wrong'))).toEqual([
        'NameCallback',
        'PasswordCallback',
      ]);
      expect(await j.answer(first, 'demo', 'wrong')).toEqual({ kind: 'failure', locked: false });
      expect(await lockouts.increment('/alpha', 'demo')).toBe(1);
    });

    it('a success within the limit still succeeds', async () => {
      const j = journey(retry({}));
      const page = await j.answer(await j.start(), 'demo', 'wrong');
      expect(await j.answer(page, 'demo', PASSWORD)).toMatchObject({ kind: 'success', username: 'demo' });
    });
  });

  describe('AccountLockout', () => {
    const lockTree = (action: string): Tree => ({
      name: `Lock${action}`,
      entry: 'u',
      nodes: {
        u: userPage('l'),
        l: {
          type: 'AccountLockout',
          lockAction: action,
          outcomes: { outcome: action === 'LOCK' ? FAILURE : 'a' },
        },
        a: { type: 'AccountActiveDecision', outcomes: { true: SUCCESS, false: FAILURE } },
      },
    });

    it('LOCK makes the identity inactive and the journey fail as locked', async () => {
      const j = journey(lockTree('LOCK'));
      expect(await j.answer(await j.start(), 'demo')).toEqual({ kind: 'failure', locked: true });
      expect((await identities.get(alpha, 'demo'))?.status).toBe('Inactive');
      const check = await identities.checkCredentials(alpha, 'demo', PASSWORD);
      expect(check.outcome).toBe('inactive');
    });

    it('LOCK is the default action', async () => {
      const j = journey({
        name: 'LockDefault',
        entry: 'u',
        nodes: { u: userPage('l'), l: { type: 'AccountLockout', outcomes: { outcome: FAILURE } } },
      });
      expect(await j.answer(await j.start(), 'demo')).toEqual({ kind: 'failure', locked: true });
    });

    it('UNLOCK makes the identity active again and forgets its failures', async () => {
      await identities.update(alpha, 'off', { status: 'Inactive' });
      await lockouts.increment('/alpha', 'off');
      await lockouts.increment('/alpha', 'off');
      const j = journey(lockTree('UNLOCK'));
      expect(await j.answer(await j.start(), 'off')).toMatchObject({ kind: 'success', username: 'off' });
      expect((await identities.get(alpha, 'off'))?.status).toBe('Active');
      expect(await lockouts.increment('/alpha', 'off')).toBe(1);
    });

    it('an unknown user is not an error (and is not reported as locked)', async () => {
      const j = journey(lockTree('LOCK'));
      expect(await j.answer(await j.start(), 'ghost')).toEqual({ kind: 'failure', locked: false });
    });
  });

  describe('IncrementLoginCount', () => {
    it("adds one to the identity's loginCount, keeping its other attributes", async () => {
      await identities.create(alpha, {
        username: 'counted',
        password: PASSWORD,
        attributes: { mail: ['c@example.com'] },
      });
      const j = journey({
        name: 'Count',
        entry: 'p',
        nodes: {
          p: credentialsPage('ds'),
          ds: dataStore('count'),
          count: { type: 'IncrementLoginCount', outcomes: { outcome: SUCCESS } },
        },
      });
      expect((await j.answer(await j.start(), 'counted', PASSWORD)).kind).toBe('success');
      expect((await identities.get(alpha, 'counted'))?.attributes).toEqual({
        mail: ['c@example.com'],
        loginCount: ['1'],
      });
      await j.answer(await j.start(), 'counted', PASSWORD);
      expect((await identities.get(alpha, 'counted'))?.attributes.loginCount).toEqual(['2']);
      // A failed login does not count.
      await j.answer(await j.start(), 'counted', 'wrong');
      expect((await identities.get(alpha, 'counted'))?.attributes.loginCount).toEqual(['2']);
    });
  });

  describe('SetSessionProperties', () => {
    it('adds its properties to those the session will get; later nodes win', async () => {
      const j = journey({
        name: 'Props',
        entry: 'p',
        nodes: {
          p: credentialsPage('ds'),
          ds: dataStore('one'),
          one: { type: 'SetSessionProperties', properties: { a: '1', b: '1' }, outcomes: { outcome: 'two' } },
          two: { type: 'SetSessionProperties', properties: { b: '2' }, outcomes: { outcome: SUCCESS } },
        },
      });
      const result = await j.answer(await j.start(), 'demo', PASSWORD);
      expect(result).toMatchObject({ kind: 'success', data: { sessionProperties: { a: '1', b: '2' } } });
    });
  });

  describe('InnerTreeEvaluator', () => {
    const outer: Tree = {
      name: 'Outer',
      entry: 'in',
      nodes: {
        in: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: 'props', false: 'sorry' } },
        props: { type: 'SetSessionProperties', properties: { via: 'outer' }, outcomes: { outcome: SUCCESS } },
        sorry: {
          type: 'SetSessionProperties',
          properties: { via: 'failure' },
          outcomes: { outcome: FAILURE },
        },
      },
    };

    it("runs the inner tree's pages, then continues with true on its SUCCESS", async () => {
      const j = journey(outer);
      const page = asPage(await j.start());
      expect(page.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      expect(page.header).toBe('Sign In');
      expect(page.state.frames.map((f) => f.tree)).toEqual(['Outer', 'Login']);
      const done = await j.answer(page, 'demo', PASSWORD);
      expect(done).toMatchObject({
        kind: 'success',
        username: 'demo',
        data: { sessionProperties: { via: 'outer' } },
      });
    });

    it('continues with false on its FAILURE', async () => {
      const j = journey(outer);
      expect(await j.answer(await j.start(), 'demo', 'wrong')).toEqual({ kind: 'failure', locked: false });
    });

    it('nests, and shares what was collected with the calling tree', async () => {
      const middle: Tree = {
        name: 'Middle',
        entry: 'in',
        nodes: {
          in: { type: 'InnerTreeEvaluator', tree: 'UserOnly', outcomes: { true: SUCCESS, false: FAILURE } },
        },
      };
      const userOnly: Tree = { name: 'UserOnly', entry: 'u', nodes: { u: userPage(SUCCESS) } };
      const top: Tree = {
        name: 'Top',
        entry: 'mid',
        nodes: {
          mid: { type: 'InnerTreeEvaluator', tree: 'middle', outcomes: { true: 'pw', false: FAILURE } },
          pw: { type: 'Page', nodes: [{ type: 'PasswordCollector' }], outcomes: { outcome: 'ds' } },
          ds: dataStore(SUCCESS),
        },
      };
      const j = journey(top, middle, userOnly);
      const first = asPage(await j.start());
      expect(first.state.frames.map((f) => f.tree)).toEqual(['Top', 'Middle', 'UserOnly']);
      const second = asPage(await j.answer(first, 'demo'));
      expect(second.state.frames).toEqual([{ tree: 'Top', node: 'pw' }]);
      expect(await j.answer(second, PASSWORD)).toMatchObject({ kind: 'success', username: 'demo' });
    });

    it('a lockout inside an inner tree makes the whole journey fail as locked', async () => {
      const locker: Tree = {
        name: 'Locker',
        entry: 'u',
        nodes: { u: userPage('l'), l: { type: 'AccountLockout', outcomes: { outcome: FAILURE } } },
      };
      const j = journey(
        {
          name: 'Wrapper',
          entry: 'in',
          nodes: {
            in: { type: 'InnerTreeEvaluator', tree: 'Locker', outcomes: { true: SUCCESS, false: FAILURE } },
          },
        },
        locker,
      );
      expect(await j.answer(await j.start(), 'demo')).toEqual({ kind: 'failure', locked: true });
    });
  });

  describe('the engine', () => {
    it('a tree reaching SUCCESS without identifying anyone fails', async () => {
      const j = journey({
        name: 'Nobody',
        entry: 'm',
        nodes: { m: { type: 'Message', message: 'hi', outcomes: { true: SUCCESS, false: SUCCESS } } },
      });
      expect(await j.answer(await j.start(), undefined, 0)).toEqual({ kind: 'failure', locked: false });
    });

    it('does not change the state it is given', async () => {
      const j = journey({
        name: 'Pure',
        entry: 'p',
        nodes: { p: credentialsPage('ds'), ds: dataStore(SUCCESS) },
      });
      const page = asPage(await j.start());
      const before = structuredClone(page.state);
      await j.answer(page, 'demo', 'wrong');
      await j.answer(page, 'demo', PASSWORD);
      expect(page.state).toEqual(before);
    });

    it('a tree that loops without asking anything ends with an internal error, not a hang', async () => {
      const j = journey({
        name: 'Loop',
        entry: 'a',
        nodes: {
          a: { type: 'SetSessionProperties', properties: { x: '1' }, outcomes: { outcome: 'b' } },
          b: { type: 'SetSessionProperties', properties: { y: '1' }, outcomes: { outcome: 'a' } },
        },
      });
      expect((await rejection(j.start())).kind).toBe<ErrorKind>('Internal');
    });

    it('checkSubmission refuses a wrong count or wrong types, accepts the callbacks shown', async () => {
      const page = asPage(
        await journey({
          name: 'C',
          entry: 'p',
          nodes: { p: credentialsPage('ds'), ds: dataStore(SUCCESS) },
        }).start(),
      );
      const filled = fill(page.callbacks, ['demo', PASSWORD]);
      expect(() => checkSubmission(page.state, filled)).not.toThrow();
      expect(() => checkSubmission(page.state, filled.slice(0, 1))).toThrow(
        'Incorrect number of callbacks found in JSON response',
      );
      expect(() => checkSubmission(page.state, [...filled, ...filled])).toThrow(
        'Incorrect number of callbacks found in JSON response',
      );
      expect(() => checkSubmission(page.state, [...filled].reverse())).toThrow(
        'Required callback not found in JSON response',
      );
      expect(() => checkSubmission(page.state, [])).toThrow(
        'Incorrect number of callbacks found in JSON response',
      );
    });

    it('isZeroPageCandidate: a first step of only NameCallback/PasswordCallback', async () => {
      const creds = await journey({
        name: 'Z',
        entry: 'p',
        nodes: { p: credentialsPage('ds'), ds: dataStore(SUCCESS) },
      }).start();
      expect(isZeroPageCandidate(creds)).toBe(true);
      const user = await journey({
        name: 'U',
        entry: 'p',
        nodes: { p: userPage('ds'), ds: dataStore(SUCCESS) },
      }).start();
      expect(isZeroPageCandidate(user)).toBe(true);
      const mixed = await journey({
        name: 'M',
        entry: 'p',
        nodes: {
          p: {
            type: 'Page',
            nodes: [{ type: 'UsernameCollector' }, { type: 'Message', message: 'x' }],
            outcomes: { true: 'ds', false: FAILURE },
          },
          ds: dataStore(SUCCESS),
        },
      }).start();
      expect(isZeroPageCandidate(mixed)).toBe(false);
      expect(isZeroPageCandidate({ kind: 'failure', locked: false })).toBe(false);
    });
  });
});
