import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { type Anvil, createUser, startAnvil, validate } from './support/anvil.js';
import { type PageServer, startPageServer } from './support/page-server.js';
import { artifactsDir, clientsSuite, SKIPPED_NOTE } from './support/suite.js';
import { Transcript } from './support/transcript.js';

/**
 * The ForgeRock JavaScript SDK in headless Chromium (Debian's package, driven by playwright-core):
 * a page on another loopback origin signs in through FRAuth, sees its HttpOnly session cookie
 * carried on credentialed fetches to Anvil (CORS with credentials), and signs out with
 * SessionManager.logout, which carries nothing but that cookie; then Anvil says the session is gone.
 */

const CHROMIUM = process.env.ANVIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const USER = 'bjensen';
const PASSWORD = 'Ch4ng31t!';
const COOKIE = 'iPlanetDirectoryPro';
const SCREENSHOT = join(artifactsDir(), 'browser-after-login.png');

describe.skipIf(!clientsSuite)(`ForgeRock JavaScript SDK in headless Chromium ${SKIPPED_NOTE}`, () => {
  let anvil: Anvil;
  let pages: PageServer;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const transcript = new Transcript();
  const browserLog: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
    pages = await startPageServer();
    anvil = await startAnvil({ ANVIL_CORS_ORIGINS: JSON.stringify([pages.origin]) });
    await createUser(anvil, USER, PASSWORD);
    // A fresh profile each run: playwright passes it as --user-data-dir.
    profile = mkdtempSync(join(tmpdir(), 'anvil-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 900, height: 640 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('requestfinished', (request) => void record(request));
    page.on('requestfailed', (request) =>
      transcript.record({
        label: 'browser (failed)',
        request: { method: request.method(), url: request.url(), headers: request.headers() },
        error: request.failure()?.errorText ?? 'failed',
      }),
    );
    page.on('console', (message) => browserLog.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`page error: ${error.message}`));
  });
  afterAll(async () => {
    await context?.close();
    await Promise.all([anvil?.stop(), pages?.close()]);
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  beforeEach((test: TestContext) => {
    transcript.clear();
    browserLog.length = 0;
    test.onTestFailed(() => {
      console.error(
        `${transcript.format('requests the page made')}\n\nbrowser console:\n${browserLog.join('\n') || '(nothing)'}`,
      );
    });
  });

  /** Every request the page made to Anvil, with the response (bodies of preflights are empty). */
  async function record(request: Request): Promise<void> {
    if (!request.url().startsWith(anvil.url)) return;
    const response = await request.response();
    let body = '';
    try {
      body = response ? await response.text() : '';
    } catch {
      // no body (a preflight, a redirect)
    }
    const postData = request.postData();
    transcript.record({
      label: 'browser',
      request: {
        method: request.method(),
        url: request.url(),
        headers: await request.allHeaders(),
        ...(postData === null ? {} : { body: postData }),
      },
      ...(response
        ? { response: { status: response.status(), headers: await response.allHeaders(), body } }
        : {}),
    });
  }

  const toAnvil = (path: string) =>
    transcript.exchanges.filter(
      (e) => e.request.url.startsWith(`${anvil.amUrl}${path}`) && e.request.method !== 'OPTIONS',
    );

  it('signs in through the SDK, carries the session cookie, signs out; Anvil then says the session is invalid', async () => {
    await page.goto(`${pages.origin}/?amUrl=${encodeURIComponent(anvil.amUrl)}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 10_000 });
    await page.fill('#username', USER);
    await page.fill('#password', PASSWORD);
    await page.click('#sign-in');
    await page.waitForSelector(
      'body[data-state="signed-in"], body[data-state="error"], body[data-state="failed"]',
      {
        timeout: 15_000,
      },
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`screenshot after login: ${SCREENSHOT}`);

    expect(await page.textContent('#status')).toBe(`Signed in as ${USER} (/alpha)`);
    const token = (await page.getAttribute('body', 'data-token')) as string;
    expect(token).toMatch(/^AQIC5w/);
    expect(await validate(anvil, token)).toMatchObject({ valid: true, uid: USER, realm: '/alpha' });

    // The SDK's authenticate calls crossed origins with CORS and credentials.
    const authenticate = toAnvil('/json/realms/root/realms/alpha/authenticate');
    expect(authenticate).toHaveLength(2);
    for (const exchange of authenticate) {
      expect(exchange.request.headers.origin).toBe(pages.origin);
      expect(exchange.response?.headers['access-control-allow-origin']).toBe(pages.origin);
      expect(exchange.response?.headers['access-control-allow-credentials']).toBe('true');
    }
    // The browser keeps the HttpOnly cookie for Anvil's host...
    const cookies = await context.cookies(anvil.url);
    expect(cookies.find((c) => c.name === COOKIE)).toMatchObject({
      value: token,
      httpOnly: true,
      sameSite: 'Lax',
    });
    // ...and the page's own fetches carried it: getSessionInfo and validate with no token but the cookie.
    for (const action of ['getSessionInfo', 'validate']) {
      const [exchange] = toAnvil(`/json/realms/root/realms/alpha/sessions?_action=${action}`);
      expect(exchange?.request.headers.cookie, action).toContain(`${COOKIE}=${token}`);
      expect(exchange?.response?.status, action).toBe(200);
    }

    await page.click('#sign-out');
    await page.waitForSelector('body[data-state="signed-out"], body[data-state="error"]', {
      timeout: 15_000,
    });
    expect(await page.textContent('#status')).toBe('Signed out: Successfully logged out');
    const [logout] = toAnvil('/json/realms/root/realms/alpha/sessions/?_action=logout');
    expect(logout?.request.headers.cookie).toContain(`${COOKIE}=${token}`);
    expect(logout?.request.headers[COOKIE.toLowerCase()]).toBeUndefined();
    expect(logout?.response?.status).toBe(200);
    // On the server: the session is gone; in the browser: the cookie too (Anvil expired it).
    expect(await validate(anvil, token)).toEqual({ valid: false });
    expect((await context.cookies(anvil.url)).some((c) => c.name === COOKIE)).toBe(false);
  });
});
