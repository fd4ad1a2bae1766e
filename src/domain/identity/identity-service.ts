import type { Clock } from '../../core/clock.js';
import { randomSecret } from '../../core/tokens.js';
import { fail } from '../errors.js';
import type { Realm } from '../realms/realm.js';
import { type Identity, type IdentityStatus, type StoredIdentity, universalIdOf } from './identity.js';
import { RequestReads } from './request-reads.js';
import type { IdentityStore, PasswordHasher } from './store.js';

export interface NewIdentity {
  username: string;
  password?: string | undefined;
  status?: IdentityStatus | undefined;
  attributes?: Record<string, readonly string[]> | undefined;
}

export interface IdentityChanges {
  password?: string | undefined;
  status?: IdentityStatus | undefined;
  attributes?: Record<string, readonly string[]> | undefined;
}

export type CredentialCheck =
  | { outcome: 'success'; identity: Identity }
  | { outcome: 'failure' }
  | { outcome: 'inactive'; identity: Identity };

/** Users per realm, and the password check used by logins. */
export class IdentityService {
  readonly #store: IdentityStore;
  readonly #hasher: PasswordHasher;
  readonly #clock: Clock;
  readonly #parent: IdentityService | undefined;
  #dummyHash: Promise<string> | undefined;

  constructor(
    options: { store: IdentityStore; hasher: PasswordHasher; clock: Clock },
    parent?: IdentityService,
  ) {
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#clock = options.clock;
    this.#parent = parent;
  }

  /**
   * This service as one request uses it: a user read twice within the request is read from the
   * store once (RequestReads). It shares the dummy hash of unknown users with this service.
   */
  forOneRequest(): IdentityService {
    return new IdentityService(
      { store: new RequestReads(this.#store), hasher: this.#hasher, clock: this.#clock },
      this,
    );
  }

  async get(realm: Realm, username: string): Promise<Identity | undefined> {
    const stored = await this.#store.get(realm.path, username);
    return stored ? publicView(stored) : undefined;
  }

  async list(realm: Realm): Promise<Identity[]> {
    return (await this.#store.list(realm.path)).map(publicView);
  }

  async count(): Promise<number> {
    return this.#store.count();
  }

  async create(realm: Realm, input: NewIdentity): Promise<Identity> {
    validateUsername(input.username);
    const now = this.#clock.now();
    const identity: StoredIdentity = {
      realm: realm.path,
      username: input.username,
      universalId: universalIdOf(input.username, realm),
      status: input.status ?? 'Active',
      attributes: input.attributes ?? {},
      createTime: now,
      modifyTime: now,
      passwordHash: input.password === undefined ? undefined : await this.#hasher.hash(input.password),
    };
    if (!(await this.#store.insert(identity))) {
      fail(
        'IdentityExists',
        `Unable to create identity: "${input.username}" already exists in ${realm.path}`,
      );
    }
    return publicView(identity);
  }

  async update(realm: Realm, username: string, changes: IdentityChanges): Promise<Identity> {
    const current = await this.#store.get(realm.path, username);
    if (!current) fail('IdentityNotFound', `User "${username}" not found in ${realm.path}`);
    const next: StoredIdentity = {
      ...current,
      status: changes.status ?? current.status,
      attributes: changes.attributes ?? current.attributes,
      modifyTime: this.#clock.now(),
      passwordHash:
        changes.password === undefined ? current.passwordHash : await this.#hasher.hash(changes.password),
    };
    if (!(await this.#store.update(next))) fail('IdentityNotFound', `User "${username}" not found`);
    return publicView(next);
  }

  async delete(realm: Realm, username: string): Promise<Identity> {
    const current = await this.#store.get(realm.path, username);
    if (!current || !(await this.#store.delete(realm.path, current.username))) {
      fail('IdentityNotFound', `User "${username}" not found in ${realm.path}`);
    }
    return publicView(current);
  }

  /**
   * Checks a user name and password. An unknown user costs one hash verification against a
   * dummy hash, so that it cannot be told from a wrong password by its answer or its timing.
   */
  async checkCredentials(realm: Realm, username: string, password: string): Promise<CredentialCheck> {
    const stored = username === '' ? undefined : await this.#store.get(realm.path, username);
    const hash = stored?.passwordHash ?? (await this.#dummy());
    const matches = await this.#hasher.verify(hash, password);
    if (!stored?.passwordHash || !matches) return { outcome: 'failure' };
    if (stored.status !== 'Active') return { outcome: 'inactive', identity: publicView(stored) };
    return { outcome: 'success', identity: publicView(stored) };
  }

  #dummy(): Promise<string> {
    if (this.#parent) return this.#parent.#dummy();
    this.#dummyHash ??= this.#hasher.hash(randomSecret());
    return this.#dummyHash;
  }
}

function publicView(stored: StoredIdentity): Identity {
  const { passwordHash: _ignored, ...identity } = stored;
  return identity;
}

function validateUsername(username: string): void {
  if (username === '' || username.length > 255 || /[\s,=+<>#;"\\/]/.test(username)) {
    fail('BadRequest', `Invalid user name "${username}"`);
  }
}
