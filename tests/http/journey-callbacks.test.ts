import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, DEMO_PASSWORD, sessionAction, type TestApp } from '../helpers/app.js';
import { ALPHA, expectCrestError, json, post, V4 } from './conformance-support.js';

/**
 * The callbacks of the Platform nodes and of the nodes standing in for AM's scripted ones, over
 * HTTP, as AM writes them (spec §5.3): ValidatedCreateUsernameCallback and
 * ValidatedCreatePasswordCallback with `IDToken<n>validateOnly`, TermsAndConditionsCallback,
 * MetadataCallback, TextInputCallback, HiddenValueCallback and RedirectCallback, walked through
 * to a session.
 */

const AUTH = `${ALPHA}/authenticate`;
const TREE_URL = `${AUTH}?authIndexType=service&authIndexValue=Callbacks`;
const HEADERS = {
  accept: 'application/json',
  'accept-api-version': 'protocol=1.0,resource=2.1',
  'content-type': 'application/json',
  'x-requested-with': 'forgerock-sdk',
};
const TERMS = 'Lorem ipsum dolor sit amet.';
const CREATED = '2019-10-28T04:20:11.320Z';
const MIN_LENGTH_3 = '{ "params": { "minLength": 3 }, "policyRequirement": "MIN_LENGTH" }';

/** Sign up (validated name and password), terms, a profile page, a POST redirect, the data store. */
const CALLBACKS = {
  name: 'Callbacks',
  entry: 'signUp',
  nodes: {
    signUp: {
      type: 'Page',
      header: 'Create your account',
      stage: 'REGISTRATION',
      nodes: [
        { type: 'PlatformUsername', validateInput: true, minLength: 3 },
        { type: 'PlatformPassword', validateInput: true, minLength: 8, minCapitals: 1, minNumbers: 1 },
      ],
      outcomes: { outcome: 'terms' },
    },
    terms: {
      type: 'AcceptTermsAndConditions',
      version: '0.0',
      terms: TERMS,
      createDate: CREATED,
      outcomes: { outcome: 'profile' },
    },
    profile: {
      type: 'Page',
      nodes: [
        { type: 'MetadataNode', data: { relyingPartyId: 'example.com', timeout: 60000 } },
        { type: 'TextInputCollector', prompt: 'Nickname', defaultText: 'Babs', attribute: 'nickname' },
        { type: 'HiddenValueCollector', id: 'clientInfo', value: 'probe' },
      ],
      outcomes: { outcome: 'idp' },
    },
    idp: {
      type: 'RedirectNode',
      redirectUrl: 'https://idp.example.com/saml/sso',
      redirectMethod: 'POST',
      redirectData: { SAMLRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+', RelayState: 'r1' },
      trackingCookie: true,
      outcomes: { outcome: 'check' },
    },
    check: { type: 'DataStoreDecision', outcomes: { true: 'SUCCESS', false: 'FAILURE' } },
  },
};

interface WireField {
  name: string;
  value: unknown;
}
interface WireCallback {
  type: string;
  output: WireField[];
  input?: WireField[];
  _id?: number;
}
interface Step {
  authId: string;
  template?: string;
  header?: string;
  stage?: string;
  callbacks: WireCallback[];
}

/** An answer that also sets `IDToken<n>validateOnly`. */
interface Validated {
  value: unknown;
  validateOnly: unknown;
}
const isValidated = (a: unknown): a is Validated =>
  typeof a === 'object' && a !== null && 'validateOnly' in a && 'value' in a;

/** The step with callback i answered by values[i]: its IDToken<n> (and IDToken<n>validateOnly). */
function fill(step: Step, values: readonly unknown[]): Step {
  return {
    ...step,
    callbacks: step.callbacks.map((c, i) => {
      const answer = values[i];
      if (answer === undefined || !c.input) return c;
      return {
        ...c,
        input: c.input.map((field) => {
          if (field.name === `IDToken${i + 1}`)
            return { ...field, value: isValidated(answer) ? answer.value : answer };
          if (field.name === `IDToken${i + 1}validateOnly` && isValidated(answer))
            return { ...field, value: answer.validateOnly };
          return field;
        }),
      };
    }),
  };
}

const asStep = (response: LightMyRequestResponse): Step => {
  expect(response.statusCode, response.body).toBe(200);
  const body = json(response) as unknown as Step;
  expect(typeof body.authId, response.body).toBe('string');
  return body;
};

const output = (callback: WireCallback | undefined, name: string) =>
  callback?.output.find((o) => o.name === name)?.value;

/** The exact wire form of the sign-up page's two callbacks. */
function signUpCallbacks(
  username: { value: string; failed: string[]; validateOnly: boolean },
  password: { failed: string[]; validateOnly: boolean },
): WireCallback[] {
  return [
    {
      type: 'ValidatedCreateUsernameCallback',
      output: [
        {
          name: 'policies',
          value: {
            policyRequirements: ['REQUIRED', 'MIN_LENGTH'],
            fallbackPolicies: null,
            name: 'userName',
            policies: [
              { policyRequirements: ['REQUIRED'], policyId: 'required' },
              { policyRequirements: ['MIN_LENGTH'], policyId: 'minimum-length', params: { minLength: 3 } },
            ],
            conditionalPolicies: null,
          },
        },
        { name: 'failedPolicies', value: username.failed },
        { name: 'validateOnly', value: username.validateOnly },
        { name: 'prompt', value: 'Username' },
      ],
      input: [
        { name: 'IDToken1', value: username.value },
        { name: 'IDToken1validateOnly', value: username.validateOnly },
      ],
      _id: 0,
    },
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
              { policyRequirements: ['MIN_LENGTH'], policyId: 'minimum-length', params: { minLength: 8 } },
              {
                policyRequirements: ['AT_LEAST_X_CAPITAL_LETTERS'],
                policyId: 'at-least-X-capitals',
                params: { numCaps: 1 },
              },
              {
                policyRequirements: ['AT_LEAST_X_NUMBERS'],
                policyId: 'at-least-X-numbers',
                params: { numNums: 1 },
              },
            ],
            conditionalPolicies: null,
          },
        },
        { name: 'failedPolicies', value: password.failed },
        { name: 'validateOnly', value: password.validateOnly },
        { name: 'prompt', value: 'Password' },
      ],
      input: [
        { name: 'IDToken2', value: '' },
        { name: 'IDToken2validateOnly', value: password.validateOnly },
      ],
      _id: 1,
    },
  ];
}

const fresh = { failed: [], validateOnly: false };

describe('Platform and stand-in node callbacks over HTTP (spec §5.3)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await buildTestApp({ config: { trees: [CALLBACKS] } });
  });
  afterEach(() => t.close());

  const begin = () => post(t.app, { url: TREE_URL, headers: HEADERS });
  /** Posts the step back as the JS SDK does: the whole document, inputs filled. */
  const send = (step: Step, values: readonly unknown[] = []) =>
    post(t.app, { url: AUTH, headers: HEADERS, body: fill(step, values) });

  /** From the sign-up page to the profile page, by the happy path. */
  async function toProfile(): Promise<Step> {
    const signUp = asStep(await begin());
    const terms = asStep(await send(signUp, ['demo', DEMO_PASSWORD]));
    return asStep(await send(terms, [true]));
  }

  it('105/106: every callback type in AM wire form (_id = index, IDToken<n>), ending in a session', async () => {
    // Sign up: the validated user name and password, IDToken<n> and IDToken<n>validateOnly.
    const signUp = asStep(await begin());
    expect(signUp).toEqual({
      authId: signUp.authId,
      template: '',
      stage: 'REGISTRATION',
      header: 'Create your account',
      callbacks: signUpCallbacks({ value: '', ...fresh }, fresh),
    });

    // Terms and conditions: version, terms, createDate; a boolean input.
    const terms = asStep(await send(signUp, ['demo', DEMO_PASSWORD]));
    expect(terms).toEqual({
      authId: terms.authId,
      template: '',
      callbacks: [
        {
          type: 'TermsAndConditionsCallback',
          output: [
            { name: 'version', value: '0.0' },
            { name: 'terms', value: TERMS },
            { name: 'createDate', value: CREATED },
          ],
          input: [{ name: 'IDToken1', value: false }],
          _id: 0,
        },
      ],
    });

    // Metadata (no input), text input (empty input), hidden value (input starts as its id).
    const profile = asStep(await send(terms, [true]));
    expect(profile).toEqual({
      authId: profile.authId,
      template: '',
      callbacks: [
        {
          type: 'MetadataCallback',
          output: [{ name: 'data', value: { relyingPartyId: 'example.com', timeout: 60000 } }],
          _id: 0,
        },
        {
          type: 'TextInputCallback',
          output: [
            { name: 'prompt', value: 'Nickname' },
            { name: 'defaultText', value: 'Babs' },
          ],
          input: [{ name: 'IDToken2', value: '' }],
          _id: 1,
        },
        {
          type: 'HiddenValueCallback',
          output: [
            { name: 'value', value: 'probe' },
            { name: 'id', value: 'clientInfo' },
          ],
          input: [{ name: 'IDToken3', value: 'clientInfo' }],
          _id: 2,
        },
      ],
    });

    // Redirect (POST): redirectUrl, redirectMethod, trackingCookie, redirectData; no input.
    const redirect = asStep(await send(profile, [undefined, 'Babs', '{"js":true}']));
    expect(redirect).toEqual({
      authId: redirect.authId,
      template: '',
      callbacks: [
        {
          type: 'RedirectCallback',
          output: [
            { name: 'redirectUrl', value: 'https://idp.example.com/saml/sso' },
            { name: 'redirectMethod', value: 'POST' },
            { name: 'trackingCookie', value: true },
            {
              name: 'redirectData',
              value: { SAMLRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdC8+', RelayState: 'r1' },
            },
          ],
          _id: 0,
        },
      ],
    });

    // Back from the identity provider, the SDK posts the saved step: the Data Store Decision runs.
    const done = await send(redirect);
    expect(done.statusCode, done.body).toBe(200);
    const body = json(done);
    expect(Object.keys(body)).toEqual(['tokenId', 'successUrl', 'realm']);
    const validation = json(
      await sessionAction(t.app, 'validate', { version: V4, body: { tokenId: body.tokenId } }),
    );
    expect(validation).toMatchObject({ valid: true, uid: 'demo', realm: '/alpha' });
    const session = await t.services.sessions.resolve(body.tokenId as string);
    expect(session?.properties.Service).toBe('Callbacks');
  });

  it('IDToken1validateOnly=true: the page comes back with failedPolicies and the journey stays', async () => {
    const signUp = asStep(await begin());
    // A short name, checked only: MIN_LENGTH fails; the password (not validateOnly) passes.
    const probe = asStep(await send(signUp, [{ value: 'de', validateOnly: true }, DEMO_PASSWORD]));
    expect(probe.stage).toBe('REGISTRATION');
    expect(probe.callbacks).toEqual(
      signUpCallbacks({ value: 'de', failed: [MIN_LENGTH_3], validateOnly: true }, fresh),
    );
    // A good name, checked only: no failures, still the same page.
    const ok = asStep(await send(probe, [{ value: 'demo', validateOnly: true }, DEMO_PASSWORD]));
    expect(ok.callbacks).toEqual(signUpCallbacks({ value: 'demo', failed: [], validateOnly: true }, fresh));
    // A weak password, submitted: both its failures; the password is never echoed.
    const weak = asStep(await send(ok, [{ value: 'demo', validateOnly: false }, 'weak']));
    expect(weak.callbacks).toEqual(
      signUpCallbacks(
        { value: '', ...fresh },
        {
          failed: [
            '{ "params": { "minLength": 8 }, "policyRequirement": "MIN_LENGTH" }',
            '{ "params": { "numCaps": 1 }, "policyRequirement": "AT_LEAST_X_CAPITAL_LETTERS" }',
            '{ "params": { "numNums": 1 }, "policyRequirement": "AT_LEAST_X_NUMBERS" }',
          ],
          validateOnly: false,
        },
      ),
    );
    for (const failed of output(weak.callbacks[1], 'failedPolicies') as string[]) {
      expect(JSON.parse(failed)).toHaveProperty('policyRequirement');
    }
    // The string "true" is a validateOnly too.
    const stringly = asStep(await send(weak, [{ value: 'demo', validateOnly: 'true' }, DEMO_PASSWORD]));
    expect(output(stringly.callbacks[0], 'validateOnly')).toBe(true);
    // Right values, validateOnly false: on to the terms.
    const terms = asStep(await send(stringly, [{ value: 'demo', validateOnly: false }, DEMO_PASSWORD]));
    expect(terms.callbacks.map((c) => c.type)).toEqual(['TermsAndConditionsCallback']);
  });

  it('111: a validateOnly step spends its authId like any step (re-posting it → 408)', async () => {
    const signUp = asStep(await begin());
    asStep(await send(signUp, [{ value: 'demo', validateOnly: true }, DEMO_PASSWORD]));
    const replay = await send(signUp, [{ value: 'demo', validateOnly: true }, DEMO_PASSWORD]);
    expectCrestError(replay, 408, 'Session has timed out');
  });

  it('declined terms are shown again; accepted, the journey goes on', async () => {
    const signUp = asStep(await begin());
    const terms = asStep(await send(signUp, ['demo', DEMO_PASSWORD]));
    const again = asStep(await send(terms, [false]));
    expect(again.callbacks).toEqual(terms.callbacks);
    expect(again.authId).not.toBe(terms.authId);
    const profile = asStep(await send(again, ['true']));
    expect(profile.callbacks.map((c) => c.type)).toEqual([
      'MetadataCallback',
      'TextInputCallback',
      'HiddenValueCallback',
    ]);
  });

  it('107/108 on the profile page: a missing or swapped callback → 400, and the authId stays usable', async () => {
    const profile = await toProfile();
    const [metadata, text, hidden] = profile.callbacks as [WireCallback, WireCallback, WireCallback];
    const missing = await post(t.app, {
      url: AUTH,
      headers: HEADERS,
      body: { ...profile, callbacks: [text, hidden] },
    });
    expectCrestError(missing, 400, 'Incorrect number of callbacks found in JSON response');
    const swapped = await post(t.app, {
      url: AUTH,
      headers: HEADERS,
      body: { ...profile, callbacks: [metadata, hidden, text] },
    });
    expectCrestError(swapped, 400, 'Required callback not found in JSON response');
    const redirect = asStep(await send(profile, [undefined, 'Babs', 'x']));
    expect(redirect.callbacks.map((c) => c.type)).toEqual(['RedirectCallback']);
  });

  it('back from the redirect with only the authId, as AM allows: the Data Store Decision decides', async () => {
    const profile = await toProfile();
    const redirect = asStep(await send(profile, [undefined, 'Babs', 'x']));
    const done = await post(t.app, { url: AUTH, headers: HEADERS, body: { authId: redirect.authId } });
    expect(done.statusCode, done.body).toBe(200);
    expect(json(done)).toHaveProperty('tokenId');
    // The wrong password, accepted by its policies, fails only at the Data Store Decision.
    const signUp = asStep(await begin());
    const terms = asStep(await send(signUp, ['demo', 'Wr0ngPassword']));
    const otherProfile = asStep(await send(terms, [true]));
    const otherRedirect = asStep(await send(otherProfile, [undefined, '', '']));
    const failed = await send(otherRedirect);
    expectCrestError(failed, 401, 'Login failure');
  });
});
