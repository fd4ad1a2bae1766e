import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Realm } from '../../src/domain/realms/realm.js';
import {
  buildTestApp,
  DEMO_PASSWORD,
  loginDemo,
  sessionAction,
  type TestApp,
  testHasher,
} from '../helpers/app.js';
import { ALPHA, expectCrestError, json, post, sessionCookies, V4 } from './conformance-support.js';

/**
 * Configured authentication trees over HTTP, as AM's clients see them (spec §5): pages, callback
 * shapes, lockout, inner trees, session properties, noSession, upgrade, goto and gotoOnFail,
 * composite advice, and journeys that move between server instances.
 */

const AUTH = `${ALPHA}/authenticate`;
const HEADERS = {
  accept: 'application/json',
  'accept-api-version': 'protocol=1.0,resource=2.1',
  'content-type': 'application/json',
  'x-requested-with': 'forgerock-sdk',
};
const OTHER_PASSWORD = 'An0ther-pass!';
const LOCKED = { code: 401, reason: 'Unauthorized', message: 'Your account has been locked.' };
const LOGIN_FAILURE = { code: 401, reason: 'Unauthorized', message: 'Login failure' };

interface WireCallback {
  type: string;
  output: Array<{ name: string; value: unknown }>;
  input?: Array<{ name: string; value: unknown }>;
  _id?: number;
}
interface Step {
  authId: string;
  template?: string;
  header?: string;
  description?: string;
  stage?: string;
  callbacks: WireCallback[];
  [key: string]: unknown;
}

/** The acceptance tree: user name; a choice; password; data store, retry limit 3, lockout. */
const THREE_PAGES = {
  name: 'ThreePages',
  entry: 'page1',
  nodes: {
    page1: {
      type: 'Page',
      header: 'Who are you?',
      stage: 'USERNAME',
      nodes: [{ type: 'UsernameCollector' }],
      outcomes: { outcome: 'page2' },
    },
    page2: {
      type: 'Page',
      header: 'How?',
      description: 'Pick a way to sign in',
      stage: 'CHOICE',
      nodes: [{ type: 'ChoiceCollector', prompt: 'Sign in with', choices: ['Password', 'Cancel'] }],
      outcomes: { Password: 'page3', Cancel: 'FAILURE' },
    },
    page3: {
      type: 'Page',
      header: 'Password',
      nodes: [{ type: 'PasswordCollector', prompt: 'Your password' }],
      outcomes: { outcome: 'dataStore' },
    },
    dataStore: { type: 'DataStoreDecision', outcomes: { true: 'SUCCESS', false: 'retry' } },
    retry: { type: 'RetryLimitDecision', retryLimit: 3, outcomes: { Retry: 'page1', Reject: 'lock' } },
    lock: { type: 'AccountLockout', lockAction: 'LOCK', outcomes: { outcome: 'FAILURE' } },
  },
};

/** One attempt per journey: the persistent retry count decides when to lock. */
const ONE_SHOT = {
  name: 'OneShot',
  entry: 'page',
  nodes: {
    page: {
      type: 'Page',
      nodes: [{ type: 'UsernameCollector' }, { type: 'PasswordCollector' }],
      outcomes: { outcome: 'dataStore' },
    },
    dataStore: { type: 'DataStoreDecision', outcomes: { true: 'SUCCESS', false: 'retry' } },
    retry: { type: 'RetryLimitDecision', retryLimit: 3, outcomes: { Retry: 'FAILURE', Reject: 'lock' } },
    lock: { type: 'AccountLockout', outcomes: { outcome: 'FAILURE' } },
  },
};

/** Every other callback shape: attributes, a message, a polling wait. */
const PROFILE = {
  name: 'Profile',
  entry: 'page',
  nodes: {
    page: {
      type: 'Page',
      header: 'About you',
      nodes: [
        { type: 'UsernameCollector' },
        {
          type: 'AttributeCollector',
          attributes: [
            { name: 'mail', prompt: 'Email Address' },
            { name: 'preferences/updates', prompt: 'Send me updates', type: 'boolean', required: false },
          ],
        },
      ],
      outcomes: { outcome: 'terms' },
    },
    terms: {
      type: 'Message',
      message: 'Do you accept the terms?',
      positiveAnswer: 'Accept',
      negativeAnswer: 'Decline',
      outcomes: { true: 'wait', false: 'FAILURE' },
    },
    wait: { type: 'PollingWait', seconds: 3, message: 'Checking…', outcomes: { done: 'active' } },
    active: { type: 'AccountActiveDecision', outcomes: { true: 'SUCCESS', false: 'FAILURE' } },
  },
};

/** The default Login as an inner tree, then a session property and the login count. */
const WRAPPED = {
  name: 'Wrapped',
  entry: 'inner',
  nodes: {
    inner: { type: 'InnerTreeEvaluator', tree: 'Login', outcomes: { true: 'props', false: 'FAILURE' } },
    props: {
      type: 'SetSessionProperties',
      properties: { department: 'Sales', LoginLocation: 'HQ' },
      outcomes: { outcome: 'count' },
    },
    count: { type: 'IncrementLoginCount', outcomes: { outcome: 'SUCCESS' } },
  },
};

const ALLOWED = 'https://app.example.com/*';

const treeUrl = (name: string, extra = '') => `${AUTH}?authIndexType=service&authIndexValue=${name}${extra}`;

/** The step with the first input of callback i set to values[i] (undefined keeps it). */
function fill(step: Step, values: readonly unknown[]): Step {
  return {
    ...step,
    callbacks: step.callbacks.map((c, i) =>
      values[i] === undefined || !c.input
        ? c
        : { ...c, input: c.input.map((field, j) => (j === 0 ? { ...field, value: values[i] } : field)) },
    ),
  };
}

function asStep(response: LightMyRequestResponse): Step {
  expect(response.statusCode, response.body).toBe(200);
  const body = json(response) as unknown as Step;
  expect(typeof body.authId, response.body).toBe('string');
  return body;
}

function asSuccess(response: LightMyRequestResponse) {
  expect(response.statusCode, response.body).toBe(200);
  const body = json(response);
  expect(body).not.toHaveProperty('authId');
  return body as { tokenId?: string; successUrl: string; realm: string };
}

describe('configured journeys over HTTP (spec §5)', () => {
  let t: TestApp;
  let alpha: Realm;

  beforeEach(async () => {
    t = await buildTestApp({
      config: {
        trees: [THREE_PAGES, ONE_SHOT, PROFILE, WRAPPED],
        authn: { gotoAllowlist: [ALLOWED] },
        session: { allowlist: ['department'] },
      },
    });
    alpha = t.services.realms.byPath('/alpha') as Realm;
    await t.services.identities.create(alpha, { username: 'other', password: OTHER_PASSWORD });
  });
  afterEach(() => t.close());

  const begin = (url: string, headers: Record<string, string> = {}) =>
    post(t.app, { url, headers: { ...HEADERS, ...headers } });
  /** Posts the step back as the JS SDK does: the whole document, inputs filled, plus its own keys. */
  const send = (step: Step, values: readonly unknown[], url = AUTH, app = t.app) =>
    post(app, { url, headers: HEADERS, body: { ...fill(step, values), status: 200, ok: true } });

  const validate = async (token: string) =>
    json(await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: token } })).valid;

  /** From page 1 of THREE_PAGES: user name, choice "Password" (as string digits), password. */
  async function attempt(page1: Step, password: string, username = 'demo', app = t.app) {
    expect(page1.callbacks.map((c) => c.type)).toEqual(['NameCallback']);
    const page2 = asStep(await send(page1, [username], AUTH, app));
    expect(page2.callbacks.map((c) => c.type)).toEqual(['ChoiceCallback']);
    const page3 = asStep(await send(page2, ['0'], AUTH, app));
    expect(page3.callbacks.map((c) => c.type)).toEqual(['PasswordCallback']);
    return send(page3, [password], AUTH, app);
  }

  describe('the three-page tree with retry limit and lockout (acceptance)', () => {
    it('shows its pages as AM writes them', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages')));
      expect(page1).toEqual({
        authId: page1.authId,
        template: '',
        stage: 'USERNAME',
        header: 'Who are you?',
        callbacks: [
          {
            type: 'NameCallback',
            output: [{ name: 'prompt', value: 'User Name' }],
            input: [{ name: 'IDToken1', value: '' }],
            _id: 0,
          },
        ],
      });
      const page2 = asStep(await send(page1, ['demo']));
      expect(page2).toEqual({
        authId: page2.authId,
        template: '',
        stage: 'CHOICE',
        header: 'How?',
        description: 'Pick a way to sign in',
        callbacks: [
          {
            type: 'ChoiceCallback',
            output: [
              { name: 'prompt', value: 'Sign in with' },
              { name: 'choices', value: ['Password', 'Cancel'] },
              { name: 'defaultChoice', value: 0 },
            ],
            input: [{ name: 'IDToken1', value: 0 }],
            _id: 0,
          },
        ],
      });
      expect(page2.authId).not.toBe(page1.authId);
      const page3 = asStep(await send(page2, [0]));
      expect(page3).toEqual({
        authId: page3.authId,
        template: '',
        header: 'Password',
        callbacks: [
          {
            type: 'PasswordCallback',
            output: [{ name: 'prompt', value: 'Your password' }],
            input: [{ name: 'IDToken1', value: '' }],
            _id: 0,
          },
        ],
      });
      // No cookie until the journey succeeds.
      expect(sessionCookies(await send(page2, [0]))).toEqual([]);
    });

    it('106: the right password → 200 tokenId, a valid session for the tree', async () => {
      const response = await attempt(asStep(await begin(treeUrl('ThreePages'))), DEMO_PASSWORD);
      const body = asSuccess(response);
      expect(Object.keys(body)).toEqual(['tokenId', 'successUrl', 'realm']);
      expect(body).toMatchObject({ successUrl: '/am/console', realm: '/alpha' });
      const token = body.tokenId as string;
      expect(sessionCookies(response)[0]).toContain(`iPlanetDirectoryPro=${token}`);
      expect(await validate(token)).toBe(true);
      const session = await t.services.sessions.resolve(token);
      expect(session).toMatchObject({ username: 'demo', realm: '/alpha' });
      expect(session?.properties.Service).toBe('ThreePages');
    });

    it('choosing Cancel ends the journey: 401 Login failure', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages')));
      const page2 = asStep(await send(page1, ['demo']));
      const response = await send(page2, ['1']);
      expect(response.statusCode).toBe(401);
      expect(json(response)).toEqual(LOGIN_FAILURE);
    });

    it('wrong passwords go back to page 1 until the limit, then lock the account', async () => {
      let page1 = asStep(await begin(treeUrl('ThreePages')));
      // Failures 1 and 2: Retry → page 1 again, in the same journey.
      for (const n of [1, 2]) {
        const retry = await attempt(page1, `wrong-${n}`);
        page1 = asStep(retry);
        expect(page1.header, `failure ${n}`).toBe('Who are you?');
        expect(sessionCookies(retry)).toEqual([]);
      }
      // Failure 3: Reject → Account Lockout → FAILURE.
      const locked = await attempt(page1, 'wrong-3');
      expect(locked.statusCode).toBe(401);
      expect(json(locked)).toEqual(LOCKED);
      expect(sessionCookies(locked)).toEqual([]);
      expect((await t.services.identities.get(alpha, 'demo'))?.status).toBe('Inactive');
      // Now even the right password fails, through this tree and the default one.
      const again = await attempt(asStep(await begin(treeUrl('ThreePages'))), DEMO_PASSWORD);
      expect(again.statusCode).toBe(401);
      expect(json(again)).not.toHaveProperty('tokenId');
      const zeroPage = await post(t.app, {
        url: AUTH,
        headers: {
          'x-openam-username': 'demo',
          'x-openam-password': DEMO_PASSWORD,
          'accept-api-version': 'resource=2.1',
        },
      });
      expectCrestError(zeroPage, 401);
      expect((await t.services.identities.get(alpha, 'demo'))?.status).toBe('Inactive');
    });

    it('the count is kept per user across journeys: 401 Login failure on each retry, then locked', async () => {
      const once = async (password: string) => {
        const page = asStep(await begin(treeUrl('OneShot')));
        return send(page, ['demo', password]);
      };
      for (const n of [1, 2]) {
        const response = await once(`wrong-${n}`);
        expect(response.statusCode, `failure ${n}`).toBe(401);
        expect(json(response)).toEqual(LOGIN_FAILURE);
      }
      const locked = await once('wrong-3');
      expect(locked.statusCode).toBe(401);
      expect(json(locked)).toEqual(LOCKED);
      expect((await t.services.identities.get(alpha, 'demo'))?.status).toBe('Inactive');
      const right = await once(DEMO_PASSWORD);
      expect(right.statusCode).toBe(401);
      expect(json(right)).not.toHaveProperty('tokenId');
    });

    it('user name case variants share one retry count', async () => {
      for (const [n, username] of ['demo', 'DEMO'].entries()) {
        const response = await send(asStep(await begin(treeUrl('OneShot'))), [username, `wrong-${n}`]);
        expect(json(response)).toEqual(LOGIN_FAILURE);
      }
      const locked = await send(asStep(await begin(treeUrl('OneShot'))), ['Demo', 'wrong-2']);
      expect(json(locked)).toEqual(LOCKED);
      expect((await t.services.identities.get(alpha, 'demo'))?.status).toBe('Inactive');
    });

    it('a successful login resets the persistent retry count', async () => {
      let page1 = asStep(await begin(treeUrl('ThreePages')));
      page1 = asStep(await attempt(page1, 'wrong-1'));
      page1 = asStep(await attempt(page1, 'wrong-2'));
      asSuccess(await attempt(page1, DEMO_PASSWORD));
      // Two more failures do not lock: the count started again from zero.
      page1 = asStep(await begin(treeUrl('ThreePages')));
      page1 = asStep(await attempt(page1, 'wrong-3'));
      page1 = asStep(await attempt(page1, 'wrong-4'));
      expect(page1.callbacks.map((c) => c.type)).toEqual(['NameCallback']);
      expect((await t.services.identities.get(alpha, 'demo'))?.status).toBe('Active');
      asSuccess(await attempt(page1, DEMO_PASSWORD));
      // Across journeys too (one attempt per journey).
      for (const password of ['wrong-a', 'wrong-b', DEMO_PASSWORD, 'wrong-c', 'wrong-d']) {
        const page = asStep(await begin(treeUrl('OneShot')));
        const response = await send(page, ['demo', password]);
        expect(response.statusCode, password).toBe(password === DEMO_PASSWORD ? 200 : 401);
        if (password !== DEMO_PASSWORD) expect(json(response)).toEqual(LOGIN_FAILURE);
      }
    });

    it("one user's failures do not lock another", async () => {
      const page = asStep(await begin(treeUrl('OneShot')));
      for (const n of [1, 2, 3]) {
        expect(
          (await send(asStep(await begin(treeUrl('OneShot'))), ['other', `wrong-${n}`])).statusCode,
        ).toBe(401);
      }
      expect((await t.services.identities.get(alpha, 'other'))?.status).toBe('Inactive');
      asSuccess(await send(page, ['demo', DEMO_PASSWORD]));
    });

    it('noSession=true through the journey: successUrl and realm, no tokenId, no cookie, no session (117)', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages', '&noSession=true')));
      const response = await attempt(page1, DEMO_PASSWORD);
      expect(response.statusCode, response.body).toBe(200);
      expect(json(response)).toEqual({ successUrl: '/am/console', realm: '/alpha' });
      expect(sessionCookies(response)).toEqual([]);
      t.clock.advanceMinutes(121);
      expect(await t.services.sessions.sweep()).toBe(0);
    });
  });

  describe('callback shapes', () => {
    it('attribute inputs (IDToken<n> and IDToken<n>validateOnly), a message and a polling wait', async () => {
      const page = asStep(await begin(treeUrl('Profile')));
      expect(page.header).toBe('About you');
      expect(page.callbacks).toEqual([
        {
          type: 'NameCallback',
          output: [{ name: 'prompt', value: 'User Name' }],
          input: [{ name: 'IDToken1', value: '' }],
          _id: 0,
        },
        {
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
            { name: 'IDToken2', value: '' },
            { name: 'IDToken2validateOnly', value: false },
          ],
          _id: 1,
        },
        {
          type: 'BooleanAttributeInputCallback',
          output: [
            { name: 'name', value: 'preferences/updates' },
            { name: 'prompt', value: 'Send me updates' },
            { name: 'required', value: false },
            { name: 'policies', value: {} },
            { name: 'failedPolicies', value: [] },
            { name: 'validateOnly', value: false },
            { name: 'value', value: false },
          ],
          input: [
            { name: 'IDToken3', value: false },
            { name: 'IDToken3validateOnly', value: false },
          ],
          _id: 2,
        },
      ]);

      const message = asStep(await send(page, ['demo', 'demo@example.com', true]));
      expect(message.callbacks).toEqual([
        {
          type: 'TextOutputCallback',
          output: [
            { name: 'message', value: 'Do you accept the terms?' },
            { name: 'messageType', value: '0' },
          ],
          _id: 0,
        },
        {
          type: 'ConfirmationCallback',
          output: [
            { name: 'prompt', value: '' },
            { name: 'messageType', value: 0 },
            { name: 'options', value: ['Accept', 'Decline'] },
            { name: 'optionType', value: -1 },
            { name: 'defaultOption', value: 1 },
          ],
          input: [{ name: 'IDToken2', value: 1 }],
          _id: 1,
        },
      ]);

      // The option as string digits.
      const wait = asStep(await send(message, [undefined, '0']));
      expect(wait.callbacks).toEqual([
        {
          type: 'PollingWaitCallback',
          output: [
            { name: 'waitTime', value: '3000' },
            { name: 'message', value: 'Checking…' },
          ],
          _id: 0,
        },
      ]);
      // Too early: the same wait again, with a new authId.
      t.clock.advanceSeconds(2);
      const still = asStep(await send(wait, []));
      expect(still.callbacks.map((c) => c.type)).toEqual(['PollingWaitCallback']);
      expect(still.authId).not.toBe(wait.authId);
      // Once the wait time has passed, the journey continues.
      t.clock.advanceSeconds(1);
      const done = asSuccess(await send(still, []));
      expect(typeof done.tokenId).toBe('string');
    });

    it('declining the message ends in 401 Login failure', async () => {
      const page = asStep(await begin(treeUrl('Profile')));
      const message = asStep(await send(page, ['demo', 'demo@example.com', false]));
      const response = await send(message, [undefined, 1]);
      expect(response.statusCode).toBe(401);
      expect(json(response)).toEqual(LOGIN_FAILURE);
    });

    it('a required attribute left empty shows the page again (200, same callbacks)', async () => {
      const page = asStep(await begin(treeUrl('Profile')));
      const again = asStep(await send(page, ['demo', '', true]));
      expect(again.callbacks.map((c) => c.type)).toEqual([
        'NameCallback',
        'StringAttributeInputCallback',
        'BooleanAttributeInputCallback',
      ]);
      expect(again.header).toBe('About you');
    });

    it('accepts the document without _id, template or output, as Postman-style clients post it', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages')));
      const page2 = asStep(
        await post(t.app, {
          url: AUTH,
          headers: HEADERS,
          body: {
            authId: page1.authId,
            callbacks: [{ type: 'NameCallback', input: [{ name: 'IDToken1', value: 'demo' }] }],
          },
        }),
      );
      expect(page2.callbacks.map((c) => c.type)).toEqual(['ChoiceCallback']);
    });

    it('107/108 on a later page: the wrong count or the wrong type → 400, and the authId stays usable', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages')));
      const page2 = asStep(await send(page1, ['demo']));
      const tooMany = await post(t.app, {
        url: AUTH,
        headers: HEADERS,
        body: { ...page2, callbacks: [...page2.callbacks, ...page2.callbacks] },
      });
      expectCrestError(tooMany, 400, 'Incorrect number of callbacks found in JSON response');
      const wrongType = await post(t.app, {
        url: AUTH,
        headers: HEADERS,
        body: { ...page2, callbacks: [{ ...page2.callbacks[0], type: 'NameCallback' }] },
      });
      expectCrestError(wrongType, 400, 'Required callback not found in JSON response');
      expect(asStep(await send(page2, [0])).callbacks.map((c) => c.type)).toEqual(['PasswordCallback']);
    });
  });

  describe('inner trees and session-shaping nodes', () => {
    it('runs the inner tree, sets the session property and counts the login', async () => {
      const page = asStep(await begin(treeUrl('Wrapped')));
      expect(page.header).toBe('Sign In');
      expect(page.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      const body = asSuccess(await send(page, ['demo', DEMO_PASSWORD]));
      const token = body.tokenId as string;
      // The allow-listed property is readable over REST; the other one is set but not exposed.
      const properties = await sessionAction(t.app, 'getSessionProperties', { token, version: V4 });
      expect(properties.statusCode, properties.body).toBe(200);
      expect(json(properties)).toEqual({ department: 'Sales' });
      const session = await t.services.sessions.resolve(token);
      expect(session?.properties).toMatchObject({
        department: 'Sales',
        LoginLocation: 'HQ',
        Service: 'Wrapped',
      });
      expect((await t.services.identities.get(alpha, 'demo'))?.attributes.loginCount).toEqual(['1']);
      // Zero-page login reaches the inner tree's page too.
      const zero = await post(t.app, {
        url: treeUrl('Wrapped'),
        headers: {
          'x-openam-username': 'demo',
          'x-openam-password': DEMO_PASSWORD,
          'accept-api-version': 'resource=2.1',
        },
      });
      expect(asSuccess(zero).tokenId).toEqual(expect.any(String));
      expect((await t.services.identities.get(alpha, 'demo'))?.attributes.loginCount).toEqual(['2']);
    });

    it('a failed inner tree fails the journey without counting the login or setting properties', async () => {
      const page = asStep(await begin(treeUrl('Wrapped')));
      const response = await send(page, ['demo', 'wrong']);
      expect(response.statusCode).toBe(401);
      expect(json(response)).toEqual(LOGIN_FAILURE);
      expect((await t.services.identities.get(alpha, 'demo'))?.attributes.loginCount).toBeUndefined();
    });
  });

  describe('session upgrade', () => {
    it('119: an invalid sessionUpgradeSSOTokenId → 400', async () => {
      const response = await begin(`${AUTH}?sessionUpgradeSSOTokenId=AQIC5wM-not-a-session`);
      expectCrestError(response, 400);
      expect(json(response)).not.toHaveProperty('authId');
      // A token that was valid once but has been logged out.
      const token = await loginDemo(t.app);
      await sessionAction(t.app, 'logout', { token, version: V4 });
      expectCrestError(await begin(`${AUTH}?sessionUpgradeSSOTokenId=${encodeURIComponent(token)}`), 400);
    });

    it('the same user → a new token; the old one is no longer valid', async () => {
      const old = await loginDemo(t.app);
      const page1 = asStep(
        await begin(treeUrl('ThreePages', `&sessionUpgradeSSOTokenId=${encodeURIComponent(old)}`)),
      );
      const body = asSuccess(await attempt(page1, DEMO_PASSWORD));
      expect(body.tokenId).toEqual(expect.any(String));
      expect(body.tokenId).not.toBe(old);
      expect(await validate(body.tokenId as string)).toBe(true);
      expect(await validate(old)).toBe(false);
      expect((await t.services.sessions.resolve(body.tokenId))?.properties.Service).toBe('ThreePages');
    });

    it('a different user → 400 Session Upgrade fails…, no new session, and the old session stays', async () => {
      const old = await loginDemo(t.app);
      const response = await post(t.app, {
        url: `${AUTH}?sessionUpgradeSSOTokenId=${encodeURIComponent(old)}`,
        headers: {
          'x-openam-username': 'other',
          'x-openam-password': OTHER_PASSWORD,
          'accept-api-version': 'resource=2.1',
        },
      });
      expectCrestError(
        response,
        400,
        'Session Upgrade fails since user is different than original authenticated user',
      );
      expect(sessionCookies(response)).toEqual([]);
      expect(await validate(old)).toBe(true);
      const others = await t.services.sessions.listForUser(
        (await t.services.identities.get(alpha, 'other'))?.universalId as string,
      );
      expect(others).toEqual([]);
    });

    it('ForceAuth with the session cookie re-authenticates: a new token, the old one ended', async () => {
      const old = await loginDemo(t.app);
      const page1 = asStep(
        await begin(treeUrl('ThreePages', '&ForceAuth=true'), { cookie: `iPlanetDirectoryPro=${old}` }),
      );
      const body = asSuccess(await attempt(page1, DEMO_PASSWORD));
      expect(body.tokenId).not.toBe(old);
      expect(await validate(old)).toBe(false);
    });
  });

  describe('goto and gotoOnFail (validated against authn.gotoAllowlist)', () => {
    const GOTO = 'https://app.example.com/welcome';
    const FAIL_URL = 'https://app.example.com/failed';
    const EVIL = 'https://evil.example.net/steal';
    const zeroPage = (password: string, query: string, version = 'resource=2.1') =>
      post(t.app, {
        url: `${AUTH}?${query}`,
        headers: {
          'x-openam-username': 'demo',
          'x-openam-password': password,
          'accept-api-version': version,
        },
      });

    it('an allowed goto is the successUrl; one that is not allowed is ignored', async () => {
      const allowed = asSuccess(await zeroPage(DEMO_PASSWORD, `goto=${encodeURIComponent(GOTO)}`));
      expect(allowed.successUrl).toBe(GOTO);
      const denied = asSuccess(await zeroPage(DEMO_PASSWORD, `goto=${encodeURIComponent(EVIL)}`));
      expect(denied.successUrl).toBe('/am/console');
      // A prefix trick does not pass the pattern.
      const prefixed = asSuccess(
        await zeroPage(DEMO_PASSWORD, `goto=${encodeURIComponent('https://app.example.com.evil.net/')}`),
      );
      expect(prefixed.successUrl).toBe('/am/console');
    });

    it('the goto given at the start is kept through a multi-page journey (and with noSession)', async () => {
      const page1 = asStep(await begin(treeUrl('ThreePages', `&goto=${encodeURIComponent(GOTO)}`)));
      expect(asSuccess(await attempt(page1, DEMO_PASSWORD)).successUrl).toBe(GOTO);
      const noSession = asSuccess(
        await zeroPage(DEMO_PASSWORD, `noSession=true&goto=${encodeURIComponent(GOTO)}`),
      );
      expect(noSession).toEqual({ successUrl: GOTO, realm: '/alpha' });
    });

    it('118: an existing session answered at once still honours an allowed goto', async () => {
      const token = await loginDemo(t.app);
      const response = await begin(`${AUTH}?goto=${encodeURIComponent(GOTO)}`, {
        cookie: `iPlanetDirectoryPro=${token}`,
      });
      const body = asSuccess(response);
      expect(body.tokenId).toBe(token);
      expect(body.successUrl).toBe(GOTO);
    });

    it('102: an allowed gotoOnFail adds detail.failureUrl (2.1) / failureUrl beside errorMessage (1.0)', async () => {
      const query = `gotoOnFail=${encodeURIComponent(FAIL_URL)}`;
      const v2 = await zeroPage('wrong', query);
      expect(v2.statusCode).toBe(401);
      expect(json(v2)).toEqual({ ...LOGIN_FAILURE, detail: { failureUrl: FAIL_URL } });
      const v1 = await zeroPage('wrong', query, 'resource=1.0, protocol=1.0');
      expect(v1.statusCode).toBe(401);
      expect(json(v1)).toEqual({ errorMessage: 'Login failure', failureUrl: FAIL_URL });
      // Through callbacks, and when the account gets locked.
      let page1 = asStep(await begin(treeUrl('ThreePages', `&${query}`)));
      page1 = asStep(await attempt(page1, 'wrong-1'));
      page1 = asStep(await attempt(page1, 'wrong-2'));
      const locked = await attempt(page1, 'wrong-3');
      expect(json(locked)).toEqual({ ...LOCKED, detail: { failureUrl: FAIL_URL } });
    });

    it('a gotoOnFail that is not allowed adds nothing', async () => {
      const response = await zeroPage('wrong', `gotoOnFail=${encodeURIComponent(EVIL)}`);
      expect(json(response)).toEqual(LOGIN_FAILURE);
      const v1 = await zeroPage(
        'wrong',
        `gotoOnFail=${encodeURIComponent(EVIL)}`,
        'resource=1.0, protocol=1.0',
      );
      expect(json(v1)).toEqual({ errorMessage: 'Login failure' });
    });
  });

  describe('composite_advice', () => {
    const advice = (tree: string, attribute = 'AuthenticateToServiceConditionAdvice') =>
      encodeURIComponent(
        `<Advices><AttributeValuePair><Attribute name="${attribute}"/><Value>/alpha:${tree}</Value></AttributeValuePair></Advices>`,
      );

    it('runs the tree the advice names (PasswordGrant)', async () => {
      const step = asStep(
        await begin(`${AUTH}?authIndexType=composite_advice&authIndexValue=${advice('PasswordGrant')}`),
      );
      expect(step.callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
      const body = asSuccess(await send(step, ['demo', DEMO_PASSWORD]));
      expect((await t.services.sessions.resolve(body.tokenId))?.properties.Service).toBe('PasswordGrant');
    });

    it('runs a configured tree named by the advice', async () => {
      const step = asStep(
        await begin(`${AUTH}?authIndexType=composite_advice&authIndexValue=${advice('ThreePages')}`),
      );
      expect(step.header).toBe('Who are you?');
      const tree = asStep(
        await begin(
          `${AUTH}?authIndexType=composite_advice&authIndexValue=${advice('Wrapped', 'AuthenticateToTreeConditionAdvice')}`,
        ),
      );
      const body = asSuccess(await send(tree, ['demo', DEMO_PASSWORD]));
      expect((await t.services.sessions.resolve(body.tokenId))?.properties.department).toBe('Sales');
    });

    it('an advice naming an unknown tree → 400', async () => {
      expectCrestError(
        await begin(`${AUTH}?authIndexType=composite_advice&authIndexValue=${advice('Nope')}`),
        400,
      );
    });
  });

  describe('a journey across server instances sharing the stores', () => {
    it('starts on one instance, continues on another; each authId is usable once across both', async () => {
      const second = await buildApp({
        config: t.config,
        clock: t.clock,
        stores: t.stores,
        hasher: testHasher,
        logger: false,
      });
      await second.app.ready();
      try {
        const page1 = asStep(await post(t.app, { url: treeUrl('ThreePages'), headers: HEADERS }));
        const page2 = asStep(await send(page1, ['demo'], AUTH, second.app));
        // Replays of page 1's authId fail on both instances.
        for (const app of [t.app, second.app]) {
          const replay = await send(page1, ['demo'], AUTH, app);
          expect(replay.statusCode).toBe(408);
          expect(json(replay)).toEqual({
            code: 408,
            reason: 'Request Time-out',
            message: 'Session has timed out',
          });
        }
        const page3 = asStep(await send(page2, [0], AUTH, t.app));
        const done = await send(page3, [DEMO_PASSWORD], AUTH, second.app);
        const body = asSuccess(done);
        expect(body.realm).toBe('/alpha');
        // The session is valid on both instances.
        for (const app of [t.app, second.app]) {
          const valid = await sessionAction(app, 'validate', {
            version: V4,
            body: { tokenId: body.tokenId },
          });
          expect(json(valid).valid).toBe(true);
        }
        expect((await send(page3, [DEMO_PASSWORD], AUTH, t.app)).statusCode).toBe(408);
        // The same authId sent to both instances at once continues the journey once.
        const racing = asStep(await post(t.app, { url: treeUrl('ThreePages'), headers: HEADERS }));
        const statuses = (
          await Promise.all([send(racing, ['demo'], AUTH, t.app), send(racing, ['demo'], AUTH, second.app)])
        ).map((r) => r.statusCode);
        expect(statuses.sort()).toEqual([200, 408]);
      } finally {
        await second.app.close();
      }
    });

    it('an instance with another journey secret refuses the authId (400 AuthId JWT Signature not valid)', async () => {
      const other = await buildApp({
        config: {
          ...t.config,
          authn: { ...t.config.authn, journeySecret: 'another-journey-secret-of-32-characters!' },
        },
        clock: t.clock,
        stores: t.stores,
        hasher: testHasher,
        logger: false,
      });
      await other.app.ready();
      try {
        const page1 = asStep(await post(t.app, { url: treeUrl('ThreePages'), headers: HEADERS }));
        expectCrestError(await send(page1, ['demo'], AUTH, other.app), 400, 'AuthId JWT Signature not valid');
        // It was not spent: the right instance still continues it.
        asStep(await send(page1, ['demo'], AUTH, t.app));
      } finally {
        await other.app.close();
      }
    });
  });

  it('a realm-specific tree is offered in its realm only', async () => {
    const app = await buildTestApp({
      config: { trees: [{ ...ONE_SHOT, name: 'BravoOnly', realm: '/bravo' }] },
    });
    try {
      expectCrestError(
        await post(app.app, { url: treeUrl('BravoOnly'), headers: HEADERS }),
        400,
        'No Configuration found',
      );
      const bravo = await post(app.app, {
        url: '/am/json/realms/root/realms/bravo/authenticate?authIndexType=service&authIndexValue=bravoonly',
        headers: HEADERS,
      });
      expect(asStep(bravo).callbacks.map((c) => c.type)).toEqual(['NameCallback', 'PasswordCallback']);
    } finally {
      await app.close();
    }
  });
});
