import Fastify, { type FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { JoseJourneyCodec } from './adapters/jose-journey-codec.js';
import type { Config } from './config/schema.js';
import type { AdjustableClock, Clock } from './core/clock.js';
import { randomSecret } from './core/tokens.js';
import { AuthnService } from './domain/authn/authn-service.js';
import { defaultTrees, type Tree } from './domain/authn/tree.js';
import { TreeCatalog } from './domain/authn/tree-catalog.js';
import { IdentityService } from './domain/identity/identity-service.js';
import type { PasswordHasher } from './domain/identity/store.js';
import { RealmRegistry } from './domain/realms/realm-registry.js';
import { SessionService } from './domain/sessions/session-service.js';
import type { Services } from './http/context.js';
import { registerCors } from './http/cors.js';
import { notFound, sendError } from './http/crest/reply.js';
import { createJsonHandler } from './http/json-router.js';
import { registerHealth } from './http/routes/health.js';
import { serverWithoutEmptyBodies } from './http/server-factory.js';
import type { Stores } from './stores/index.js';

export interface AppOptions {
  config: Readonly<Config>;
  clock: Clock;
  stores: Stores;
  hasher: PasswordHasher;
  /** The clock the time-travel control moves; given only when the control is enabled. */
  timeTravel?: AdjustableClock | undefined;
  /** Where Anvil logs; none (or `false`) for silence (tests). */
  logger?: Logger | false;
}

export interface App {
  app: FastifyInstance;
  services: Services;
}

/** Wires the layers and returns a Fastify instance that has not started listening. */
export async function buildApp(options: AppOptions): Promise<App> {
  const { config, clock, stores } = options;
  const realms = new RealmRegistry(config.realms, {
    maxIdleMinutes: config.session.maxIdleMinutes,
    maxSessionMinutes: config.session.maxSessionMinutes,
    allowlist: config.session.allowlist,
    queryProperties: config.session.queryProperties,
    quota: config.session.quota,
  });
  const log = options.logger || pino({ level: 'silent' });
  const sessions = new SessionService({
    store: stores.sessions,
    clock,
    updateFrequencySeconds: config.session.latestAccessTimeUpdateFrequencySeconds,
    onTouchError: (error) => log.warn({ err: error }, "could not record a session's latest access time"),
  });
  const identities = new IdentityService({ store: stores.identities, hasher: options.hasher, clock });
  const journeySecret =
    config.authn.journeySecret ?? (await stores.meta.getOrSet('journeySecret', randomSecret(32)));
  const codec = new JoseJourneyCodec({
    secret: journeySecret,
    clock,
    maxMinutes: config.authn.journeyMaxMinutes,
  });
  const trees = new TreeCatalog([...defaultTrees(), ...(config.trees as Tree[])]);
  const authn = new AuthnService({
    realms,
    identities,
    sessions,
    codec,
    used: stores.usedJourneys,
    lockouts: stores.lockouts,
    trees,
    nodeServices: { identities, lockouts: stores.lockouts, clock },
  });
  const services: Services = {
    config,
    log,
    clock,
    realms,
    sessions,
    identities,
    authn,
    timeTravel: options.timeTravel,
  };

  const app = Fastify({
    // Anvil logs through its own logger (services.log), never through Fastify's: given a logger,
    // Fastify times every response with listeners of its own, a measurable share of a validate.
    logger: false,
    bodyLimit: config.bodyLimit,
    serverFactory: serverWithoutEmptyBodies,
    return503OnClosing: true,
    routerOptions: { ignoreDuplicateSlashes: true, maxParamLength: 1000 },
    // Errors the framework meets before routing (a malformed URL…) get AM's body too.
    frameworkErrors: (error, request, reply) => {
      sendError(request, reply, error, log);
    },
  });
  app.decorateRequest('anvil', null as never);

  // Bodies are kept as text: each endpoint parses JSON itself, so that empty bodies, `""` and
  // malformed JSON get AM's answers rather than the framework's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error, log));
  app.setNotFoundHandler((request, reply) => notFound(request, reply));

  registerCors(app, config);
  registerHealth(app, services);
  const handleJson = createJsonHandler(services);
  app.all(`${config.deploymentPath}/json/*`, handleJson);
  app.all(`${config.deploymentPath}/json`, handleJson);

  return { app, services };
}
