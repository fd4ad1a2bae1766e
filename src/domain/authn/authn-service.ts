import { fail } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { Realm } from '../realms/realm.js';
import type { RealmRegistry } from '../realms/realm-registry.js';
import type { Session } from '../sessions/session.js';
import type { SessionService } from '../sessions/session-service.js';
import type { Callback } from './callbacks.js';
import { treeFromAdvice } from './index-type.js';
import {
  checkSubmission,
  isZeroPageCandidate,
  type JourneyResult,
  type JourneyState,
  newJourney,
  runJourney,
} from './journey.js';
import type { LockoutStore } from './lockout.js';
import type { NodeServices } from './nodes/types.js';
import { DEFAULT_TREE, type Tree } from './tree.js';
import type { TreeCatalog } from './tree-catalog.js';

/**
 * Seals and opens `authId`s. Implementations reject a forged or unreadable id with
 * `InvalidAuthId`/`BadRequest` and an expired one with `AuthTimeout`.
 */
export interface JourneyCodec {
  seal(state: JourneyState, realm: Realm): Promise<string>;
  open(authId: string): Promise<OpenedJourney>;
}

export interface OpenedJourney {
  state: JourneyState;
  /** The `authId`'s unique id and expiry: what makes it usable once. */
  id: string;
  expiresAt: number;
}

/**
 * Remembers spent `authId`s until they expire, so that each continues a journey once — across
 * every node sharing the store.
 */
export interface UsedJourneyStore {
  /** Records `id` as spent; false when it already was. Atomic. */
  spend(id: string, expiresAt: number): Promise<boolean>;
  /** Forgets spent ids that expired before `now`; returns how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}

export interface AuthRequest {
  realm: Realm;
  indexType?: string | undefined;
  indexValue?: string | undefined;
  /** A continuation: the `authId` and the callbacks of the previous step, filled in. */
  authId?: string | undefined;
  callbacks?: Callback[] | undefined;
  /** `X-OpenAM-Username` / `X-OpenAM-Password`, already decoded. */
  zeroPage?: { username: string; password: string } | undefined;
  /** The session the request already carries, if any. */
  existingToken?: string | undefined;
  /** `sessionUpgradeSSOTokenId`. */
  upgradeToken?: string | undefined;
  forceAuth?: boolean;
  noSession?: boolean;
  /** Already validated against the allow list. */
  goto?: string | undefined;
  gotoOnFail?: string | undefined;
}

export type AuthOutcome =
  | {
      kind: 'step';
      authId: string;
      callbacks: Callback[];
      header?: string;
      description?: string;
      stage?: string;
    }
  | {
      kind: 'success';
      realm: Realm;
      token?: string;
      session?: Session;
      identity?: Identity;
      goto?: string | undefined;
    };

export interface AuthnServiceOptions {
  realms: RealmRegistry;
  identities: IdentityService;
  sessions: SessionService;
  codec: JourneyCodec;
  used: UsedJourneyStore;
  lockouts: LockoutStore;
  trees: TreeCatalog;
  nodeServices: NodeServices;
}

/**
 * Runs authentication journeys: a start (answered at once from zero-page headers when the first
 * page asks only for a name and a password), continuations carrying an `authId`, and the session
 * a successful journey creates, upgrades or (with `noSession`) does not create.
 */
export class AuthnService {
  readonly #o: AuthnServiceOptions;

  constructor(options: AuthnServiceOptions) {
    this.#o = options;
  }

  /** Forgets spent `authId`s that can no longer be presented (they expired). */
  async sweep(now: number, limit = 1000): Promise<number> {
    return this.#o.used.deleteExpired(now, limit);
  }

  async authenticate(request: AuthRequest): Promise<AuthOutcome> {
    if (request.authId !== undefined) return this.#continue(request);
    const tree = this.#selectTree(request);
    let upgradeToken = request.upgradeToken;
    if (upgradeToken !== undefined) {
      if (!(await this.#o.sessions.resolve(upgradeToken)))
        fail('BadRequest', 'Invalid sessionUpgradeSSOTokenId');
    } else if (request.existingToken && !request.noSession) {
      const existing = await this.#o.sessions.resolve(request.existingToken);
      if (existing && existing.realm.toLowerCase() === request.realm.path.toLowerCase()) {
        const sameTree = existing.properties.Service?.toLowerCase() === tree.name.toLowerCase();
        if (!request.forceAuth && (sameTree || request.indexValue === undefined)) {
          return {
            kind: 'success',
            realm: request.realm,
            token: request.existingToken,
            session: existing,
            goto: request.goto,
          };
        }
        upgradeToken = request.existingToken;
      }
    }
    if (!request.realm.active) fail('BadRequest', 'Invalid Domain DN');
    const state = newJourney(
      request.realm,
      tree,
      {
        ...(request.noSession ? { noSession: true } : {}),
        ...(upgradeToken ? { upgradeToken } : {}),
        ...(request.goto ? { goto: request.goto } : {}),
        ...(request.gotoOnFail ? { gotoOnFail: request.gotoOnFail } : {}),
      },
      this.#o.nodeServices.clock.now(),
    );
    const services = this.#servicesForOneRequest();
    let result = await runJourney(this.#o.trees, request.realm, state, services);
    if (request.zeroPage && result.kind === 'page' && isZeroPageCandidate(result)) {
      const { username, password } = request.zeroPage;
      const filled = result.callbacks.map((c) => ({
        ...c,
        input: [{ name: '', value: c.type === 'NameCallback' ? username : password }],
      }));
      result = await runJourney(this.#o.trees, request.realm, result.state, services, filled);
    }
    return this.#finish(result, request.realm, state, services);
  }

  async #continue(request: AuthRequest): Promise<AuthOutcome> {
    const { state, id, expiresAt } = await this.#o.codec.open(request.authId as string);
    const realm = this.#o.realms.byPath(state.realm);
    if (!realm) return fail('AuthTimeout');
    const submitted = request.callbacks ?? [];
    checkSubmission(state, submitted);
    // AM answers a replayed authId like an expired one.
    if (!(await this.#o.used.spend(id, expiresAt))) fail('AuthTimeout');
    const services = this.#servicesForOneRequest();
    const result = await runJourney(this.#o.trees, realm, state, services, submitted);
    return this.#finish(result, realm, state, services);
  }

  /** The nodes' services for one request: a user the nodes read is not read again to finish. */
  #servicesForOneRequest(): NodeServices {
    return { ...this.#o.nodeServices, identities: this.#o.nodeServices.identities.forOneRequest() };
  }

  async #finish(
    result: JourneyResult,
    realm: Realm,
    started: JourneyState,
    services: NodeServices,
  ): Promise<AuthOutcome> {
    const { request } = started;
    if (result.kind === 'page') {
      const { state, kind: _k, ...page } = result;
      return { kind: 'step', authId: await this.#o.codec.seal(state, realm), ...page };
    }
    const failureDetail = request.gotoOnFail ? { failureUrl: request.gotoOnFail } : undefined;
    if (result.kind === 'failure') {
      return result.locked
        ? fail('AccountLocked', undefined, failureDetail)
        : fail('LoginFailure', undefined, failureDetail);
    }
    const identity = await services.identities.get(realm, result.username);
    if (!identity) return fail('LoginFailure', undefined, failureDetail);
    if (identity.status !== 'Active') return fail('UserInactive', undefined, failureDetail);
    // As AM: the saved failure count starts again after a success with a journey that keeps one.
    if (this.#o.trees.savesRetryCount(realm.path, request.service)) {
      await this.#o.lockouts.reset(realm.path, identity.username);
    }
    if (request.noSession) return { kind: 'success', realm, identity, goto: request.goto };
    const upgraded = request.upgradeToken ? await this.#o.sessions.resolve(request.upgradeToken) : undefined;
    if (upgraded && upgraded.universalId.toLowerCase() !== identity.universalId.toLowerCase()) {
      fail('SessionUpgradeFailed');
    }
    const { token, session } = await this.#o.sessions.create({
      universalId: identity.universalId,
      username: identity.username,
      realm,
      properties: {
        ...upgraded?.properties,
        ...result.data.sessionProperties,
        AuthLevel: '0',
        Service: request.service,
        IndexType: 'service',
      },
    });
    // A new token on every (re-)authentication; the upgraded session ends (ASVS 7.2.4).
    if (upgraded) await this.#o.sessions.destroy(upgraded);
    return { kind: 'success', realm, token, session, identity, goto: request.goto };
  }

  #selectTree(request: AuthRequest): Tree {
    const type = request.indexType?.toLowerCase();
    let name = request.indexValue;
    if (type === 'composite_advice' || type === 'composite') {
      name = treeFromAdvice(request.indexValue ?? '');
      if (name === undefined) fail('BadRequest', 'The composite advice names no tree');
    } else if (type !== undefined && type !== 'service') {
      if (KNOWN_INDEX_TYPES.has(type))
        fail('NoConfiguration', `No Configuration found for ${request.indexType}`);
      fail('UnknownAuthIndexType');
    }
    return this.#o.trees.require(request.realm.path, name === undefined || name === '' ? DEFAULT_TREE : name);
  }
}

/** Index types AM knows but Anvil has no configuration for: answered like an unknown tree. */
const KNOWN_INDEX_TYPES = new Set([
  'resource',
  'transaction',
  'module',
  'module_instance',
  'level',
  'user',
  'role',
]);
