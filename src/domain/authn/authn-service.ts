import { fail } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { Realm } from '../realms/realm.js';
import type { RealmRegistry } from '../realms/realm-registry.js';
import type { Session } from '../sessions/session.js';
import type { SessionService } from '../sessions/session-service.js';
import type { Callback } from './callbacks.js';
import { checkSubmission, isZeroPageCandidate, type JourneyState, runJourney } from './journey.js';
import { DEFAULT_TREE, type Tree } from './tree.js';

/**
 * Signs and opens `authId`s. Implementations reject a forged or unreadable id with
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
  forceAuth?: boolean;
  noSession?: boolean;
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
  | { kind: 'success'; realm: Realm; token?: string; session?: Session; identity?: Identity };

/** Thrown for a failed login; the HTTP layer writes AM's V1 or V2 failure body. */
export interface AuthnServiceOptions {
  realms: RealmRegistry;
  identities: IdentityService;
  sessions: SessionService;
  codec: JourneyCodec;
  used: UsedJourneyStore;
  trees: readonly Tree[];
}

/**
 * Runs authentication journeys: a start (optionally answered at once from zero-page headers),
 * continuations carrying an `authId`, and the session that a successful journey creates.
 */
export class AuthnService {
  readonly #options: AuthnServiceOptions;
  readonly #trees: Map<string, Tree>;

  constructor(options: AuthnServiceOptions) {
    this.#options = options;
    this.#trees = new Map(options.trees.map((t) => [t.name.toLowerCase(), t]));
  }

  /** Forgets spent `authId`s that can no longer be presented (they expired). */
  async sweep(now: number, limit = 1000): Promise<number> {
    return this.#options.used.deleteExpired(now, limit);
  }

  async authenticate(request: AuthRequest): Promise<AuthOutcome> {
    if (request.authId !== undefined) return this.#continue(request);
    const tree = this.#selectTree(request);
    if (!request.forceAuth && !request.noSession && request.existingToken) {
      const existing = await this.#options.sessions.resolve(request.existingToken);
      if (existing && existing.realm.toLowerCase() === request.realm.path.toLowerCase()) {
        return { kind: 'success', realm: request.realm, token: request.existingToken, session: existing };
      }
    }
    if (!request.realm.active) fail('BadRequest', 'Invalid Domain DN');
    const state: JourneyState = { realm: request.realm.path, tree: tree.name, node: tree.entry, shared: {} };
    let result = await runJourney(tree, request.realm, state, this.#options.identities);
    if (request.zeroPage && isZeroPageCandidate(result) && result.kind === 'page') {
      const { username, password } = request.zeroPage;
      const filled = result.callbacks.map((c) => ({
        ...c,
        input: [{ name: '', value: c.type === 'NameCallback' ? username : password }],
      }));
      result = await runJourney(tree, request.realm, result.state, this.#options.identities, filled);
    }
    return this.#finish(result, request, tree.name);
  }

  async #continue(request: AuthRequest): Promise<AuthOutcome> {
    const { state, id, expiresAt } = await this.#options.codec.open(request.authId as string);
    const realm = this.#options.realms.byPath(state.realm);
    const tree = this.#trees.get(state.tree.toLowerCase());
    if (!realm || !tree) return fail('AuthTimeout');
    const submitted = request.callbacks ?? [];
    checkSubmission(tree, state, submitted);
    // AM answers a replayed authId like an expired one.
    if (!(await this.#options.used.spend(id, expiresAt))) fail('AuthTimeout');
    const result = await runJourney(tree, realm, state, this.#options.identities, submitted);
    return this.#finish(result, { ...request, realm }, tree.name);
  }

  async #finish(
    result: Awaited<ReturnType<typeof runJourney>>,
    request: AuthRequest,
    treeName: string,
  ): Promise<AuthOutcome> {
    switch (result.kind) {
      case 'page': {
        const { state, kind: _k, ...page } = result;
        return { kind: 'step', authId: await this.#options.codec.seal(state, request.realm), ...page };
      }
      case 'failure':
        return fail('LoginFailure');
      case 'success': {
        const { identity } = result;
        const realm = this.#options.realms.byPath(identity.realm) ?? request.realm;
        if (request.noSession) return { kind: 'success', realm, identity };
        const { token, session } = await this.#options.sessions.create({
          universalId: identity.universalId,
          username: identity.username,
          realm,
          properties: { AuthLevel: '0', Service: treeName, IndexType: 'service' },
        });
        return { kind: 'success', realm, token, session, identity };
      }
    }
  }

  #selectTree(request: AuthRequest): Tree {
    const type = request.indexType?.toLowerCase();
    if (type !== undefined && type !== 'service') {
      if (KNOWN_INDEX_TYPES.has(type))
        fail('NoConfiguration', `No Configuration found for ${request.indexType}`);
      fail('UnknownAuthIndexType');
    }
    const name =
      request.indexValue === undefined || request.indexValue === '' ? DEFAULT_TREE : request.indexValue;
    const tree = this.#trees.get(name.toLowerCase());
    if (!tree) fail('NoConfiguration');
    return tree;
  }
}

/** Index types AM knows but Anvil has no configuration for (yet): answered like an unknown tree. */
const KNOWN_INDEX_TYPES = new Set([
  'composite_advice',
  'composite',
  'resource',
  'transaction',
  'module',
  'module_instance',
  'level',
  'user',
  'role',
]);
