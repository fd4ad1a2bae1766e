import type { QuotaAction } from '../sessions/store.js';
import { type Realm, type RealmSessionSettings, realmDn } from './realm.js';

/** A quota as configured: on or off, with its limit and action (sub-realms inherit each part). */
export interface QuotaSettings {
  enabled: boolean;
  limit: number;
  action: QuotaAction;
}

/** Session defaults for the whole tree (from the global `session.*` settings). */
export interface SessionDefaults extends Omit<RealmSessionSettings, 'quota'> {
  quota: QuotaSettings;
}

export interface RealmDefinition {
  path: string;
  aliases?: readonly string[] | undefined;
  active?: boolean | undefined;
  admins?: readonly string[] | undefined;
  session?:
    | (Partial<Omit<RealmSessionSettings, 'quota'>> & { quota?: Partial<QuotaSettings> | undefined })
    | undefined;
}

/**
 * The realm tree. Lookups are case-insensitive, as in AM. Realm names that collide with endpoint
 * names (`sessions`, `authenticate`, …) are refused, because a URL could not tell them apart.
 */
export class RealmRegistry {
  readonly root: Realm;
  readonly #byPath = new Map<string, Realm>();
  readonly #children = new Map<Realm, Map<string, Realm>>();
  readonly #dnsAliases = new Map<string, Realm>();
  readonly #nameOrAlias = new Map<string, Realm | null>();
  /** Each realm's effective settings as configured, for its sub-realms to inherit. */
  readonly #inherited = new Map<Realm, SessionDefaults>();

  constructor(definitions: readonly RealmDefinition[], defaults: SessionDefaults) {
    const rootDefinition = definitions.find((d) => d.path === '/');
    this.root = this.#make('/', '', undefined, rootDefinition, defaults);
    for (const definition of definitions) {
      if (definition.path === '/') continue;
      const names = definition.path.split('/').filter((n) => n !== '');
      const name = names[names.length - 1] as string;
      if (RESERVED.has(name.toLowerCase())) {
        throw new RealmDefinitionError(`realm name "${name}" is reserved for an endpoint`);
      }
      const parentPath = `/${names.slice(0, -1).join('/')}`;
      const parent = this.#byPath.get(parentPath.toLowerCase());
      if (!parent) {
        throw new RealmDefinitionError(
          `realm ${definition.path}: parent ${parentPath} is not defined before it`,
        );
      }
      if (this.#byPath.has(definition.path.toLowerCase())) {
        throw new RealmDefinitionError(`realm ${definition.path} is defined twice`);
      }
      this.#make(definition.path, name, parent, definition, this.#inherited.get(parent) as SessionDefaults);
    }
    for (const realm of this.#byPath.values()) {
      if (realm !== this.root) this.#addNameOrAlias(realm.name, realm);
      for (const alias of realm.aliases) {
        if (alias.includes('.')) this.#dnsAliases.set(alias.toLowerCase(), realm);
        this.#addNameOrAlias(alias, realm);
      }
    }
  }

  #make(
    path: string,
    name: string,
    parent: Realm | undefined,
    definition: RealmDefinition | undefined,
    inherited: SessionDefaults,
  ): Realm {
    const { quota: quotaOverride, ...overrides } = definition?.session ?? {};
    const settings: SessionDefaults = {
      ...inherited,
      ...stripUndefined(overrides),
      quota: { ...inherited.quota, ...stripUndefined(quotaOverride ?? {}) },
    };
    const { quota, ...rest } = settings;
    const session: RealmSessionSettings = {
      ...rest,
      quota: quota.enabled ? { limit: quota.limit, action: quota.action } : undefined,
    };
    const realm: Realm = {
      path,
      name,
      parent,
      dn: realmDn(path),
      aliases: definition?.aliases ?? [],
      active: definition?.active ?? true,
      admins: definition?.admins ?? [],
      session,
    };
    this.#byPath.set(path.toLowerCase(), realm);
    this.#inherited.set(realm, settings);
    if (parent) {
      const children = this.#children.get(parent) ?? new Map<string, Realm>();
      this.#children.set(parent, children);
      children.set(name.toLowerCase(), realm);
    }
    return realm;
  }

  #addNameOrAlias(key: string, realm: Realm): void {
    const k = key.toLowerCase();
    const existing = this.#nameOrAlias.get(k);
    // A bare name that two realms answer to is ambiguous: AM treats it as not found.
    this.#nameOrAlias.set(k, existing === undefined || existing === realm ? realm : null);
  }

  all(): Realm[] {
    return [...this.#byPath.values()];
  }

  byPath(path: string): Realm | undefined {
    const normalised = path === '' ? '/' : path.startsWith('/') ? path : `/${path}`;
    return this.#byPath.get(normalised.replace(/\/+$/, '').toLowerCase() || '/');
  }

  child(parent: Realm, name: string): Realm | undefined {
    return this.#children.get(parent)?.get(name.toLowerCase());
  }

  /** A sub-realm name (unique anywhere in the tree) or an alias. */
  byNameOrAlias(name: string): Realm | undefined {
    return this.#nameOrAlias.get(name.toLowerCase()) ?? undefined;
  }

  /** The realm whose DNS alias is this host name, if any. */
  byHost(host: string): Realm | undefined {
    return this.#dnsAliases.get(host.toLowerCase());
  }

  /** True when `realm` is `ancestor` or lies below it. */
  isWithin(realm: Realm, ancestor: Realm): boolean {
    for (let r: Realm | undefined = realm; r; r = r.parent) if (r === ancestor) return true;
    return false;
  }

  /** `?realm=` values: a path (`/customers/asia`) or a bare name or alias. */
  resolveParameter(value: string): Realm | undefined {
    return value.startsWith('/') ? this.byPath(value) : this.byNameOrAlias(value);
  }
}

export class RealmDefinitionError extends Error {
  override name = 'RealmDefinitionError';
}

/** First path elements that name endpoints and so can never be realm names. */
const RESERVED = new Set([
  'sessions',
  'authenticate',
  'users',
  'serverinfo',
  'realms',
  'root',
  'anvil',
  'health',
]);

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
