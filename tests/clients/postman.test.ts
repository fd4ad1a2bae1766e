import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil, createUser, startAnvil, validate } from './support/anvil.js';
import {
  COLLECTION,
  DEMO_PASSWORD,
  DEMO_USER,
  environment,
  globalVariable,
  runCollection,
  sentHeaders,
} from './support/newman.js';
import { type RewritingProxy, startProxy } from './support/proxy.js';
import { clientsSuite, randomHex, SKIPPED_NOTE } from './support/suite.js';

/**
 * The Identity Cloud Postman collection (Prerequisites + Session Management steps 1-8), unmodified,
 * run by newman against a real Anvil: 9 requests and 15 assertions, every one of which must pass.
 */

const REQUESTS = 9;
const ASSERTIONS = 15;
/** Steps 3-8: the requests that carry the token in a header named after the cookie. */
const SESSION_STEPS = /^Step [3-8]/;

describe.skipIf(!clientsSuite)(`Postman collection with newman ${SKIPPED_NOTE}`, () => {
  let anvil: Anvil;

  beforeAll(async () => {
    anvil = await startAnvil();
    await createUser(anvil, DEMO_USER, DEMO_PASSWORD);
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it(`passes every assertion against Anvil with AM's default cookie name (${COLLECTION})`, async () => {
    const { summary, report } = await runCollection(anvil.amUrl);
    if (report) throw new Error(report);
    expect(summary.run.stats.requests).toMatchObject({ total: REQUESTS, failed: 0 });
    expect(summary.run.stats.assertions).toMatchObject({ total: ASSERTIONS, failed: 0 });
    const token = globalVariable(summary, 'demoSSOToken');
    expect(token).toMatch(/^AQIC5w/);
    for (const execution of summary.run.executions.filter((e) => SESSION_STEPS.test(e.item.name)))
      expect(sentHeaders(execution).iplanetdirectorypro, execution.item.name).toBe(token);
    // Step 8 logged the session out for real.
    expect(await validate(anvil, token as string)).toEqual({ valid: false });
  });

  it('fails, printing the request and response, when validate answers with one key too many', async () => {
    const proxy: RewritingProxy = await startProxy(anvil.url, (path, body) =>
      /_action=validate/i.test(path) ? { ...body, addedByProxy: true } : undefined,
    );
    try {
      const { summary, report } = await runCollection(`${proxy.url}/am`);
      // What a failing run prints, shown here on purpose: the check bites.
      console.log(`expected failure, validate's body altered by a proxy:\n${report}`);
      expect(summary.run.failures.map((f) => [f.source?.name, f.error.test])).toEqual([
        ["Step 7: Validate Users' Session", 'Response has expected data'],
      ]);
      expect(report).toContain('_action=validate');
      expect(report).toContain('"addedByProxy":true');
      expect(report).toMatch(/^< 200$/m);
    } finally {
      await proxy.close();
    }
  });
});

describe.skipIf(!clientsSuite)(`Postman collection, Identity Cloud-style cookie name ${SKIPPED_NOTE}`, () => {
  let anvil: Anvil;
  const cookieName = randomHex(8);

  beforeAll(async () => {
    anvil = await startAnvil({ ANVIL_COOKIE_NAME: cookieName });
    await createUser(anvil, DEMO_USER, DEMO_PASSWORD);
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  it('reads cookieName from serverinfo/* (Prerequisites) and sends the token in that header', async () => {
    // The environment's cookieName would outrank the collection variable the Prerequisites set.
    const { summary, report } = await runCollection(anvil.amUrl, environment(['cookieName']));
    if (report) throw new Error(report);
    expect(summary.run.stats.requests).toMatchObject({ total: REQUESTS, failed: 0 });
    expect(summary.run.stats.assertions).toMatchObject({ total: ASSERTIONS, failed: 0 });
    const token = globalVariable(summary, 'demoSSOToken');
    const sessionSteps = summary.run.executions.filter((e) => SESSION_STEPS.test(e.item.name));
    expect(sessionSteps).toHaveLength(6);
    for (const execution of sessionSteps) {
      const headers = sentHeaders(execution);
      expect(headers[cookieName], execution.item.name).toBe(token);
      expect(headers.iplanetdirectorypro, execution.item.name).toBeUndefined();
    }
    expect(await validate(anvil, token as string)).toEqual({ valid: false });
  });

  it("with the environment's cookieName left in, the header has the wrong name and only the cookie jar saves the run", async () => {
    // Why the run above drops cookieName from the environment: the environment outranks the
    // collection variable, and the collection's assertions cannot tell, because newman also sends
    // the session cookie that step 2's Set-Cookie put in its jar.
    const { summary, report } = await runCollection(anvil.amUrl, environment());
    if (report) throw new Error(report);
    const token = globalVariable(summary, 'demoSSOToken');
    for (const execution of summary.run.executions.filter((e) => SESSION_STEPS.test(e.item.name))) {
      const headers = sentHeaders(execution);
      expect(headers.iplanetdirectorypro, execution.item.name).toBe(token);
      expect(headers[cookieName], execution.item.name).toBeUndefined();
      expect(headers.cookie, execution.item.name).toContain(`${cookieName}=${token}`);
    }
  });
});
