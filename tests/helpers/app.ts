import type { FastifyInstance, InjectOptions } from 'fastify';
import { Argon2Hasher } from '../../src/adapters/argon2-hasher.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { ManualClock } from '../../src/core/clock.js';
import { ADMIN_USERNAME } from '../../src/domain/identity/identity.js';
import type { Services } from '../../src/http/context.js';
import { createStores, type StoreLocation, type Stores } from '../../src/stores/index.js';

export const ADMIN_PASSWORD = 'admin-password';
export const DEMO_PASSWORD = 'Ch4ng31t!';

/** Cheap argon2id parameters: the tests exercise the flow, the benchmarks the cost. */
export const testHasher = new Argon2Hasher({ memoryKiB: 1024, iterations: 1 });

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  clock: ManualClock;
  stores: Stores;
  config: Readonly<Config>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Settings as in a config file (dotted paths are not needed: nest them). */
  config?: Record<string, unknown>;
  store?: StoreLocation;
  clock?: ManualClock;
}

/**
 * An Anvil app on an in-memory SQLite store with a manual clock, `amAdmin` (password
 * `admin-password`) in the root realm and `demo` (password `Ch4ng31t!`) in `/alpha`.
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const config = loadConfig({ overrides: flatten(options.config ?? {}) });
  const clock = options.clock ?? new ManualClock();
  const stores = createStores(options.store ?? { kind: 'sqlite-memory' });
  const { app, services } = await buildApp({ config, clock, stores, hasher: testHasher, logger: false });
  await services.identities.create(services.realms.root, {
    username: ADMIN_USERNAME,
    password: ADMIN_PASSWORD,
  });
  const alpha = services.realms.byPath('/alpha');
  if (alpha) await services.identities.create(alpha, { username: 'demo', password: DEMO_PASSWORD });
  await app.ready();
  return {
    app,
    services,
    clock,
    stores,
    config,
    close: async () => {
      await app.close();
      await stores.close();
    },
  };
}

function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof child === 'object' && child !== null && !Array.isArray(child))
      Object.assign(out, flatten(child as Record<string, unknown>, path));
    else out[path] = child;
  }
  return out;
}

/** Zero-page login; returns the token (throws with the response body if the login failed). */
export async function login(
  app: FastifyInstance,
  username: string,
  password: string,
  realmPath = '/realms/root/realms/alpha',
): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: `/am/json${realmPath}/authenticate`,
    headers: {
      'x-openam-username': username,
      'x-openam-password': password,
      'accept-api-version': 'resource=2.1',
    },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return (response.json() as { tokenId: string }).tokenId;
}

export const loginAdmin = (app: FastifyInstance) =>
  login(app, ADMIN_USERNAME, ADMIN_PASSWORD, '/realms/root');
export const loginDemo = (app: FastifyInstance) => login(app, 'demo', DEMO_PASSWORD);

/** A sessions action as clients send it: token in the cookie-named header, JSON content type. */
export function sessionAction(
  app: FastifyInstance,
  action: string,
  options: {
    token?: string;
    version?: string;
    body?: unknown;
    realmPath?: string;
    query?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.version !== undefined) headers['accept-api-version'] = options.version;
  if (options.token !== undefined) headers.iplanetdirectorypro = options.token;
  const request: InjectOptions = {
    method: 'POST',
    url: `/am/json${options.realmPath ?? '/realms/root/realms/alpha'}/sessions?_action=${action}${options.query ?? ''}`,
    headers,
  };
  if (options.body !== undefined) request.payload = JSON.stringify(options.body);
  return app.inject(request);
}
