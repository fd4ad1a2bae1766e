import type { Realm } from '../../../domain/realms/realm.js';
import type { Session } from '../../../domain/sessions/session.js';
import type { JsonRequest, Services } from '../../context.js';
import type { Version } from '../../crest/api-version.js';

/**
 * Who may run an action (spec §4.2): `anyone` needs no caller; `caller` any live caller;
 * `owner` an admin or a caller whose user owns the target; `admin` only admins.
 */
export type Permission = 'anyone' | 'caller' | 'owner' | 'admin';

export interface ActionContext {
  services: Services;
  request: JsonRequest;
  caller: Session | undefined;
  /** The caller administers the URL's realm (amAdmin everywhere; a realm admin in its realm tree). */
  admin(): boolean;
  /** The realm tree the caller administers, if any: the root for amAdmin. */
  adminScope(): Realm | undefined;
  /** True when the caller administers sessions of this realm path. */
  administers(realmPath: string): boolean;
  served: Version;
  body: Record<string, unknown>;
  targetToken: string | undefined;
  /** The live session the target token stands for (resolved at most once). */
  target(): Promise<Session | undefined>;
  /** Extra response headers (e.g. `Set-Cookie` on logout). */
  headers: Record<string, string | string[]>;
}

export interface ActionSpec {
  permission: Permission;
  /** Lowest route version that has the action (and highest, when it was removed). */
  since: Version;
  until?: Version;
  run(ctx: ActionContext): Promise<unknown>;
}

export type ActionTable = Readonly<Record<string, ActionSpec>>;

export const v = (major: number, minor: number): Version => ({ major, minor });
