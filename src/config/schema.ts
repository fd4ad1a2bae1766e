import { type Static, Type } from './schema-kit.js';

/**
 * Every setting Anvil has: its type, default and description in one place. `load.ts` reads it
 * from a file and `ANVIL_*` variables, `docs/configuration.md` is generated from it
 * (`npm run docs:config`), and a test keeps that page in step.
 *
 * Environment names are derived from the path: `cookie.name` → `ANVIL_COOKIE_NAME`.
 */
const minutes = (def: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 525_600, default: def, description });

import { RealmConfig, TreeConfig } from './realm-schema.js';

export { RealmConfig, TreeConfig } from './realm-schema.js';

export const ConfigSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('development'), Type.Literal('production')], {
      default: 'development',
      description:
        'In `production` Anvil refuses unsafe settings (the time-travel control) and warns about insecure cookies.',
    }),
    host: Type.String({
      default: '127.0.0.1',
      minLength: 1,
      description: 'Address to listen on; `0.0.0.0` to accept connections from other machines.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8080,
      description: 'Port to listen on (also `PORT`, or `--port`). 0 picks a free port.',
    }),
    deploymentPath: Type.String({
      pattern: '^/[A-Za-z0-9_.-]+$',
      default: '/am',
      description: 'Deployment URI: every endpoint lives under `<deploymentPath>/json/…` as in AM.',
    }),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Directory of the embedded SQLite database (`anvil.db`, WAL mode).',
    }),
    sessionStore: Type.Union([Type.Literal('sqlite'), Type.Literal('redis'), Type.Literal('postgres')], {
      default: 'sqlite',
      description:
        'Where sessions (and spent authIds) live: `sqlite` (one node), or `redis` / `postgres` shared by several nodes.',
    }),
    identityStore: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], {
      default: 'sqlite',
      description:
        'Where users, lockout counters and the generated journey secret live: `sqlite` (one node) or `postgres` (shared).',
    }),
    redisUrl: Type.Optional(
      Type.String({
        pattern: '^rediss?://',
        description:
          'Redis for `sessionStore: redis`: `redis://[user:password@]host:port[/db]` or `rediss://…`.',
      }),
    ),
    databaseUrl: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://',
        description: 'PostgreSQL for the `postgres` stores: `postgres://user:password@host:port/database`.',
      }),
    ),
    redis: Type.Object(
      {
        keyPrefix: Type.String({
          minLength: 1,
          default: 'anvil:',
          description: 'Prefix of every Redis key.',
        }),
        sentinels: Type.Array(Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer() }), {
          default: [],
          description: 'Redis Sentinel nodes (with `redis.sentinelName`), instead of `redisUrl`.',
        }),
        sentinelName: Type.Optional(
          Type.String({ minLength: 1, description: 'The master name the sentinels know.' }),
        ),
        cluster: Type.Array(Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer() }), {
          default: [],
          description: 'Redis Cluster seed nodes, instead of `redisUrl`.',
        }),
        sessionCacheEntries: Type.Integer({
          minimum: 0,
          maximum: 100_000_000,
          default: 100_000,
          description:
            'Sessions each node keeps parsed in memory (about 1 KiB each) with `redisUrl`, kept coherent with every node by Redis client-side caching (CLIENT TRACKING), so that validate and refresh need no read. Not used with Sentinel or Cluster. 0 turns the cache off.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    sqlite: Type.Object(
      {
        sessionCacheEntries: Type.Integer({
          minimum: 0,
          maximum: 100_000_000,
          default: 100_000,
          description:
            'Sessions the SQLite store keeps parsed in memory (about 1 KiB each), so that validate and refresh need no query; dropped whenever another process writes to the file. 0 turns the cache off.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    postgres: Type.Object(
      {
        schema: Type.Optional(
          Type.String({
            pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
            description: 'PostgreSQL schema of the tables.',
          }),
        ),
        poolSize: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 10,
          description:
            'Most PostgreSQL connections one node opens for queries; the session cache (`postgres.sessionCacheEntries`) adds one for its checks.',
        }),
        sessionCacheEntries: Type.Integer({
          minimum: 0,
          maximum: 100_000_000,
          default: 100_000,
          description:
            'Sessions each node keeps parsed in memory (about 1 KiB each) with the version of their row; a cached session is served after one batched check per event-loop turn finds its row unchanged, instead of a query per request. 0 turns the cache off.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    bodyLimit: Type.Integer({
      minimum: 1024,
      maximum: 16_777_216,
      default: 102_400,
      description: 'Largest request body accepted, in bytes; larger bodies answer 413.',
    }),
    serverId: Type.String({
      pattern: '^[0-9]{2}$',
      default: '01',
      description: 'AM server id shown in `amlbcookie`.',
    }),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info', description: 'Log level; `debug` also logs one line per request.' },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    cookie: Type.Object(
      {
        name: Type.String({
          pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
          default: 'iPlanetDirectoryPro',
          description:
            'Session cookie name; the caller token is also read from a request header of this name.',
        }),
        domains: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Cookie domains; one `Set-Cookie` per domain, host-only when empty.',
        }),
        secure: Type.Boolean({ default: false, description: 'Mark the session cookie `Secure`.' }),
        httpOnly: Type.Boolean({ default: true, description: 'Mark the session cookie `HttpOnly`.' }),
        sameSite: Type.Union(
          [Type.Literal('Lax'), Type.Literal('Strict'), Type.Literal('None'), Type.Literal('off')],
          { default: 'Lax', description: 'The `SameSite` attribute of the session cookie (`off` omits it).' },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    session: Type.Object(
      {
        maxIdleMinutes: minutes(30, 'Default max idle time of a session (AM default 30).'),
        maxSessionMinutes: minutes(120, 'Default max session time (AM default 120).'),
        latestAccessTimeUpdateFrequencySeconds: Type.Integer({
          minimum: 0,
          maximum: 3600,
          default: 60,
          description:
            'Latest access time update frequency: an idle reset is recorded only when more than this many seconds passed since the last one (AM 7+ default 60).',
        }),
        allowlist: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Default session property allow list (readable and settable over REST).',
        }),
        queryProperties: Type.Array(Type.String({ minLength: 1 }), {
          default: ['AMCtxId'],
          description: 'Default session properties returned by getSessionInfo at resource 4.0+.',
        }),
        quota: Type.Object(
          {
            enabled: Type.Boolean({
              default: false,
              description: 'Session quotas (AM: Enable Quota Constraints); off by default as in AM.',
            }),
            limit: Type.Integer({
              minimum: 1,
              maximum: 10_000,
              default: 5,
              description: 'Active user sessions: the most live sessions one user may hold (AM default 5).',
            }),
            action: Type.Union(
              [
                Type.Literal('DENY_ACCESS'),
                Type.Literal('DESTROY_NEXT_EXPIRING'),
                Type.Literal('DESTROY_OLDEST_SESSION'),
                Type.Literal('DESTROY_ALL'),
              ],
              {
                default: 'DESTROY_NEXT_EXPIRING',
                description:
                  'At the limit: `DENY_ACCESS` refuses the login; `DESTROY_NEXT_EXPIRING`, `DESTROY_OLDEST_SESSION` or `DESTROY_ALL` end existing sessions to make room (AM default `DESTROY_NEXT_EXPIRING`).',
              },
            ),
          },
          { default: {}, additionalProperties: false },
        ),
        maxSessionListSize: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 120,
          description: 'Most sessions one query returns (AM: Maximum Number of Search Results, default 120).',
        }),
        postLogoutUrl: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'When set, a REST logout answer also carries `goto` with this URL (AM: post-process logout URL).',
          }),
        ),
        sweepIntervalSeconds: Type.Integer({
          minimum: 1,
          maximum: 86_400,
          default: 60,
          description: 'How often expired sessions are deleted from the store.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    realms: Type.Array(RealmConfig, {
      default: [{ path: '/alpha' }, { path: '/bravo' }],
      description:
        'Realms besides the root. Parents must be listed before children. Environment: a JSON array in `ANVIL_REALMS`.',
    }),
    trees: Type.Array(TreeConfig, {
      default: [],
      description:
        'Authentication trees besides the built-in `Login` and `PasswordGrant` (see docs/journeys.md). Environment: a JSON array in `ANVIL_TREES`.',
    }),
    admin: Type.Object(
      {
        password: Type.Optional(
          Type.String({
            minLength: 8,
            description:
              'Password of `amAdmin`, set when the identity store is first created; a random one is printed once otherwise.',
          }),
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    authn: Type.Object(
      {
        successUrl: Type.String({
          minLength: 1,
          default: '/am/console',
          description: 'The `successUrl` of a login without a validated `goto`.',
        }),
        journeySecret: Type.Optional(
          Type.String({
            minLength: 32,
            description:
              'Secret that signs `authId` journey tokens. Generated and kept in the store when unset; set the same value on every node of a cluster.',
          }),
        ),
        journeyMaxMinutes: minutes(5, 'Maximum duration of an authentication journey.'),
        gotoAllowlist: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description:
            'URLs that `goto` and `gotoOnFail` may name (`*` matches any characters); others are ignored, as AM ignores goto URLs outside its valid resources.',
        }),
        argon2MemoryKib: Type.Integer({
          minimum: 1024,
          maximum: 1_048_576,
          default: 19_456,
          description: 'argon2id memory cost for new password hashes (OWASP: 19 MiB).',
        }),
        hashQueueLimit: Type.Integer({
          minimum: 0,
          maximum: 100_000,
          default: 64,
          description:
            'Logins that may wait for a password hash while every hashing thread (one per core) is busy and holds its next one; more answer 503 at once.',
        }),
        argon2Iterations: Type.Integer({
          minimum: 1,
          maximum: 20,
          default: 2,
          description: 'argon2id time cost for new password hashes (OWASP: 2).',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    timeTravel: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description:
            'Anvil extension: lets an admin move the server clock forward (`POST …/json/realms/root/anvil/clock?_action=advance`) so tests can see timeouts without waiting. Refused in `production` mode.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    cors: Type.Object(
      {
        origins: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description:
            'Browser origins allowed to call Anvil with credentials (e.g. `https://app.example.com`, `http://localhost:*`); none by default.',
        }),
        maxAgeSeconds: Type.Integer({
          minimum: 0,
          maximum: 86_400,
          default: 600,
          description: 'How long browsers may cache a preflight answer.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    csrf: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description:
            "AM's REST CSRF filter: a non-GET request whose session is in the cookie must carry `X-Requested-With` or `Accept-API-Version`.",
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    shutdownTimeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 10,
      description: 'How long a shutdown waits for in-flight requests before closing connections.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
