import { afterAll, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { type Anvil, createUser, startAnvil, validate } from './support/anvil.js';
import {
  type AuthResult,
  CallbackType,
  type ChoiceCallback,
  Config,
  FRAuth,
  type FRLoginFailure,
  type FRLoginSuccess,
  type FRStep,
  type NameCallback,
  type PasswordCallback,
  SessionManager,
} from './support/sdk.js';
import { clientsSuite, randomHex, SKIPPED_NOTE } from './support/suite.js';
import { recordingFetch, Transcript } from './support/transcript.js';

/**
 * The ForgeRock JavaScript SDK (npm latest 4.x), in plain Node 20, against a real Anvil with an
 * Identity Cloud-style cookie name: FRAuth through the built-in `Login` tree and a configured
 * multi-page tree, SessionManager.logout, and a failed login. Node's fetch has no cookie jar, so
 * logout carries the token in the cookie-named header through the SDK's middleware
 * (shared/spec/real-clients.md §2.4).
 */

const USER = 'sdkUser';
const PASSWORD = 'Ch4ng31t!';
const MULTI_PAGE = 'ClientsMultiPage';

/** Username page → ChoiceCollector → password page → Data Store Decision. */
const TREES = [
  {
    name: MULTI_PAGE,
    realm: '/alpha',
    entry: 'askName',
    nodes: {
      askName: {
        type: 'Page',
        header: 'Who are you?',
        stage: 'NamePage',
        nodes: [{ type: 'UsernameCollector' }],
        outcomes: { outcome: 'askMethod' },
      },
      askMethod: {
        type: 'ChoiceCollector',
        prompt: 'How do you want to sign in?',
        choices: ['password', 'cancel'],
        outcomes: { password: 'askPassword', cancel: 'FAILURE' },
      },
      askPassword: {
        type: 'Page',
        header: 'Your password',
        nodes: [{ type: 'PasswordCollector' }],
        outcomes: { outcome: 'check' },
      },
      check: { type: 'DataStoreDecision', outcomes: { true: 'SUCCESS', false: 'FAILURE' } },
    },
  },
];

describe.skipIf(!clientsSuite)(`ForgeRock JavaScript SDK in Node ${SKIPPED_NOTE}`, () => {
  let anvil: Anvil;
  const cookieName = randomHex(8);
  const transcript = new Transcript();
  const realFetch = globalThis.fetch;
  let label = '';
  /** The token the logout middleware puts in the cookie-named header (as a browser's cookie would). */
  let sessionToken: string | undefined;

  const configure = () =>
    Config.set({
      serverConfig: { baseUrl: anvil.amUrl, timeout: 10_000 },
      realmPath: 'alpha',
      tree: 'Login',
      middleware: [
        (req, action, next) => {
          // The SDK builds logout's init.headers as a Headers object.
          if (action.type === 'LOGOUT' && sessionToken !== undefined)
            (req.init.headers as Headers).set(cookieName, sessionToken);
          next();
        },
      ],
    });

  /** Runs an SDK call, labelling the exchanges it makes. */
  async function sdk<T>(name: string, run: () => Promise<T>): Promise<T> {
    label = name;
    try {
      return await run();
    } finally {
      label = '';
    }
  }

  function stepOf(result: AuthResult): FRStep {
    if (result.type !== 'Step') throw new Error(`expected a step, got ${describeResult(result)}`);
    return result;
  }

  function successOf(result: AuthResult): FRLoginSuccess {
    if (result.type !== 'LoginSuccess')
      throw new Error(`expected FRLoginSuccess, got ${describeResult(result)}`);
    return result;
  }

  function failureOf(result: AuthResult): FRLoginFailure {
    if (result.type !== 'LoginFailure')
      throw new Error(`expected FRLoginFailure, got ${describeResult(result)}`);
    return result;
  }

  /** FRAuth.start, then fill NameCallback + PasswordCallback and FRAuth.next. */
  async function loginWithLoginTree(password: string) {
    const first = stepOf(await sdk('FRAuth.start', () => FRAuth.start()));
    expect(first.callbacks.map((c) => c.getType())).toEqual([
      CallbackType.NameCallback,
      CallbackType.PasswordCallback,
    ]);
    first.getCallbackOfType<NameCallback>(CallbackType.NameCallback).setName(USER);
    first.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback).setPassword(password);
    return sdk('FRAuth.next', () => FRAuth.next(first));
  }

  beforeAll(async () => {
    anvil = await startAnvil({ ANVIL_COOKIE_NAME: cookieName, ANVIL_TREES: JSON.stringify(TREES) });
    await createUser(anvil, USER, PASSWORD);
    globalThis.fetch = recordingFetch(realFetch, transcript, () => label || 'check (plain fetch)');
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    await anvil?.stop();
  });
  beforeEach((context: TestContext) => {
    transcript.clear();
    sessionToken = undefined;
    configure();
    context.onTestFailed(() => {
      console.error(transcript.format());
    });
  });

  it('logs in through the Login tree (NameCallback, PasswordCallback) to FRLoginSuccess with a session token', async () => {
    const success = successOf(await loginWithLoginTree(PASSWORD));
    const token = success.getSessionToken();
    expect(token).toMatch(/^AQIC5w/);
    expect(success.getRealm()).toBe('/alpha');
    expect(success.getSuccessUrl()).toBe('/am/console');
    // What the SDK sent: its own headers, the reversed Accept-API-Version, the step echoed back.
    const [start, next] = transcript.exchanges;
    expect(start?.request.url).toBe(
      `${anvil.amUrl}/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=Login`,
    );
    expect(start?.request.headers['accept-api-version']).toBe('protocol=1.0,resource=2.1');
    expect(start?.request.headers['x-requested-with']).toBe('forgerock-sdk');
    expect(JSON.parse(next?.request.body ?? '{}')).toMatchObject({ status: 200, ok: true });
    expect(next?.response?.headers['set-cookie']).toContain(
      `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Lax`,
    );
    expect(await validate(anvil, token as string)).toMatchObject({
      valid: true,
      uid: USER,
      realm: '/alpha',
    });
  });

  it('walks a multi-page tree: username page → ChoiceCollector → password page → Data Store Decision', async () => {
    const tree = { tree: MULTI_PAGE };
    const namePage = stepOf(await sdk('FRAuth.start (multi-page)', () => FRAuth.start(tree)));
    expect(namePage.getHeader()).toBe('Who are you?');
    expect(namePage.getStage()).toBe('NamePage');
    expect(namePage.callbacks.map((c) => c.getType())).toEqual([CallbackType.NameCallback]);
    namePage.getCallbackOfType<NameCallback>(CallbackType.NameCallback).setName(USER);

    const choicePage = stepOf(await sdk('FRAuth.next (name)', () => FRAuth.next(namePage, tree)));
    const choice = choicePage.getCallbackOfType<ChoiceCallback>(CallbackType.ChoiceCallback);
    expect(choice.getPrompt()).toBe('How do you want to sign in?');
    expect(choice.getChoices()).toEqual(['password', 'cancel']);
    choice.setChoiceValue('password');

    const passwordPage = stepOf(await sdk('FRAuth.next (choice)', () => FRAuth.next(choicePage, tree)));
    expect(passwordPage.getHeader()).toBe('Your password');
    expect(passwordPage.callbacks.map((c) => c.getType())).toEqual([CallbackType.PasswordCallback]);
    passwordPage.getCallbackOfType<PasswordCallback>(CallbackType.PasswordCallback).setPassword(PASSWORD);

    const success = successOf(await sdk('FRAuth.next (password)', () => FRAuth.next(passwordPage, tree)));
    expect(await validate(anvil, success.getSessionToken() as string)).toMatchObject({
      valid: true,
      uid: USER,
    });
    // Each page was posted back with the authId of the answer before it.
    const journey = transcript.exchanges.filter((e) => e.request.url.includes('/authenticate?'));
    expect(journey).toHaveLength(4);
    for (let i = 1; i < journey.length; i += 1) {
      const sentAuthId = (JSON.parse(journey[i]?.request.body ?? '{}') as { authId?: string }).authId;
      const previous = JSON.parse(journey[i - 1]?.response?.body ?? '{}') as { authId?: string };
      expect(sentAuthId).toBe(previous.authId);
    }
  });

  it('the multi-page tree ends in FRLoginFailure when the choice is "cancel"', async () => {
    const tree = { tree: MULTI_PAGE };
    const namePage = stepOf(await sdk('FRAuth.start (multi-page)', () => FRAuth.start(tree)));
    namePage.getCallbackOfType<NameCallback>(CallbackType.NameCallback).setName(USER);
    const choicePage = stepOf(await sdk('FRAuth.next (name)', () => FRAuth.next(namePage, tree)));
    choicePage.getCallbackOfType<ChoiceCallback>(CallbackType.ChoiceCallback).setChoiceValue('cancel');
    const failure = failureOf(await sdk('FRAuth.next (cancel)', () => FRAuth.next(choicePage, tree)));
    expect(failure.getCode()).toBe(401);
  });

  it('SessionManager.logout with the token added by middleware ends the session', async () => {
    const token = successOf(await loginWithLoginTree(PASSWORD)).getSessionToken() as string;
    sessionToken = token;
    const response = await sdk('SessionManager.logout', () => SessionManager.logout());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 'Successfully logged out' });
    const sent = transcript.exchanges.find((e) => e.label === 'SessionManager.logout');
    expect(sent?.request.url).toBe(`${anvil.amUrl}/json/realms/root/realms/alpha/sessions/?_action=logout`);
    expect(sent?.request.headers['accept-api-version']).toBe('protocol=1.0,resource=2.0');
    expect(sent?.request.headers[cookieName]).toBe(token);
    expect(await validate(anvil, token)).toEqual({ valid: false });
  });

  it('SessionManager.logout without the middleware (no token in Node) is a silent 401 and ends nothing', async () => {
    const token = successOf(await loginWithLoginTree(PASSWORD)).getSessionToken() as string;
    const response = await sdk('SessionManager.logout (no token)', () => SessionManager.logout());
    expect(response.status).toBe(401);
    expect(await validate(anvil, token)).toMatchObject({ valid: true });
  });

  it('a wrong password ends in FRLoginFailure with code 401', async () => {
    const failure = failureOf(await loginWithLoginTree('not-the-password'));
    expect(failure.getCode()).toBe(401);
    expect(failure.getReason()).toBe('Unauthorized');
    expect(failure.getMessage()).toBe('Login failure');
  });
});

function describeResult(result: AuthResult): string {
  switch (result.type) {
    case 'LoginFailure':
      return `FRLoginFailure ${result.getCode()} ${result.getReason()}: ${result.getMessage()}`;
    case 'LoginSuccess':
      return 'FRLoginSuccess';
    default:
      return `a step (${result.callbacks.map((c) => c.getType()).join(', ')})`;
  }
}
