import pino, { type Logger } from 'pino';
import { Argon2WorkerHasher } from './adapters/argon2-workers.js';
import { BoundedHasher } from './adapters/bounded-hasher.js';
import { type App, buildApp } from './app.js';
import type { Config } from './config/schema.js';
import { type AdjustableClock, type Clock, OffsetClock, systemClock } from './core/clock.js';
import { randomPassword } from './core/tokens.js';
import { AnvilError } from './domain/errors.js';
import { ADMIN_USERNAME } from './domain/identity/identity.js';
import { openStores, type Stores } from './stores/index.js';

export interface RunningServer extends App {
  stores: Stores;
  url: string;
  /** Drains in-flight requests, stops the sweeper, closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Where the generated admin password is announced (stdout by default). */
  announce?: (line: string) => void;
}

/** Everything `anvil serve` does: open the store, seed `amAdmin`, listen, sweep, shut down cleanly. */
export async function startServer(
  config: Readonly<Config>,
  options: StartOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const timeTravel = timeTravelClock(config, logger, options.clock ?? systemClock);
  const clock = timeTravel ?? options.clock ?? systemClock;
  const stores = await openStores(config, (error) => logger.warn({ err: error }, 'store connection error'));
  const threads = new Argon2WorkerHasher({
    memoryKiB: config.authn.argon2MemoryKib,
    iterations: config.authn.argon2Iterations,
  });
  // As many hashes at once as the hashing threads hold (one hashing, one next); the rest queue, up
  // to the limit.
  const hasher = new BoundedHasher(threads, {
    concurrency: threads.capacity,
    queueLimit: config.authn.hashQueueLimit,
  });
  // What the server holds besides Fastify, released on every way out.
  const release = async () => {
    await threads.close();
    await stores.close();
  };
  let built: App;
  try {
    built = await buildApp({ config, clock, stores, hasher, logger, timeTravel });
    await seedAdmin(built, config, options.announce ?? ((line) => process.stdout.write(`${line}\n`)));
  } catch (error) {
    await release();
    throw error;
  }
  const { app, services } = built;
  if (logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      logger.debug(
        {
          reqId: request.id,
          method: request.method,
          path: request.url.split('?')[0],
          status: reply.statusCode,
          ms: reply.elapsedTime,
        },
        'request',
      );
    });
  }
  warnAboutUnsafeSettings(config, logger);
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // A port in use, say: release the store (its checkpoint worker would keep the process alive).
    await app.close();
    await release();
    throw error;
  }
  logger.info(
    { address, store: stores.description, realms: services.realms.all().map((r) => r.path) },
    'Anvil is serving',
  );

  const sweeper = setInterval(() => {
    void sweep(built, logger);
  }, config.session.sweepIntervalSeconds * 1000);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      await app.close();
      // Idle-time writes answered before the close reach the store before it goes.
      await services.sessions.settle();
      await release();
    })();
    return closing;
  };
  return { app, services, stores, url: address, close };
}

/**
 * The time-travel control (an Anvil extension) runs the server on a clock that an admin can move
 * forward. Never in production: there it is refused, loudly.
 */
function timeTravelClock(config: Readonly<Config>, logger: Logger, base: Clock): AdjustableClock | undefined {
  if (!config.timeTravel.enabled) return undefined;
  if (config.mode === 'production') {
    logger.warn(
      'REFUSED: timeTravel.enabled is set in production mode. The clock control stays off; remove ANVIL_TIME_TRAVEL_ENABLED.',
    );
    return undefined;
  }
  logger.warn(
    "time travel is ON: an admin can move this server's clock forward (never use this in production)",
  );
  return new OffsetClock(base);
}

/** Settings that are fine on a laptop and wrong in front of real users. */
function warnAboutUnsafeSettings(config: Readonly<Config>, logger: Logger) {
  if (config.mode !== 'production') return;
  if (!config.cookie.secure)
    logger.warn('cookie.secure is false: the session cookie will travel over plain HTTP');
  if (!config.cookie.httpOnly)
    logger.warn('cookie.httpOnly is false: scripts in the page can read the session cookie');
  if (config.authn.journeySecret === undefined) {
    logger.warn(
      'authn.journeySecret is not set: every node of a cluster must share one to continue journeys',
    );
  }
}

/** On the first boot of an empty identity store: `amAdmin` in the root realm. */
async function seedAdmin(built: App, config: Readonly<Config>, announce: (line: string) => void) {
  const { identities, realms } = built.services;
  if ((await identities.count()) > 0) return;
  const password = config.admin.password ?? randomPassword();
  try {
    await identities.create(realms.root, { username: ADMIN_USERNAME, password });
  } catch (error) {
    // Another node sharing the store seeded it first: that one's password stands.
    if (error instanceof AnvilError && error.kind === 'IdentityExists') return;
    throw error;
  }
  if (config.admin.password === undefined) {
    announce(`Created ${ADMIN_USERNAME} with the generated password: ${password}`);
    announce('It is shown this once; set ANVIL_ADMIN_PASSWORD before the first start to choose it.');
  }
}

/** Deletes expired sessions in bounded batches, so a sweep's cost follows the expired count. */
async function sweep(built: App, logger: Logger) {
  try {
    let removed = 0;
    for (let round = 0; round < 100; round += 1) {
      const n = await built.services.sessions.sweep(1000);
      removed += n;
      if (n < 1000) break;
    }
    for (let round = 0; round < 100; round += 1) {
      if ((await built.services.authn.sweep(built.services.clock.now(), 1000)) < 1000) break;
    }
    if (removed > 0) logger.debug({ removed }, 'expired sessions deleted');
  } catch (error) {
    logger.error({ err: error }, 'session sweep failed');
  }
}

/** Structured JSON logs. Request URLs lose their query (it may hold `tokenId`); secrets are redacted. */
export function createLogger(config: Readonly<Config>): Logger {
  return pino({
    level: config.log.level,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-openam-password"]',
        `req.headers["${config.cookie.name.toLowerCase()}"]`,
        '*.tokenId',
        '*.password',
        '*.userpassword',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: req.url?.split('?')[0] }),
    },
  });
}
