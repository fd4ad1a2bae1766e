import { fail } from '../../domain/errors.js';
import type { Identity, IdentityStatus } from '../../domain/identity/identity.js';
import type { IdentityChanges } from '../../domain/identity/identity-service.js';
import type { Realm } from '../../domain/realms/realm.js';

/** AM's wire shape of a user (AM 7 over a DS identity store), and its reading from request bodies. */

/** The object classes AM 7 gives a user created over REST. */
export const USER_OBJECT_CLASSES: readonly string[] = [
  'iplanet-am-managed-person',
  'inetuser',
  'sunFMSAML2NameIdentifier',
  'inetorgperson',
  'sunIdentityServerLibertyPPService',
  'devicePrintProfilesContainer',
  'iplanet-am-user-service',
  'iPlanetPreferences',
  'pushDeviceProfilesContainer',
  'forgerock-am-dashboard-service',
  'organizationalperson',
  'top',
  'kbaInfoContainer',
  'person',
  'sunAMAuthAccountLockout',
  'oathDeviceProfilesContainer',
  'webauthnDeviceProfilesContainer',
  'iplanet-am-auth-configuration-service',
  'deviceProfilesContainer',
];

const PASSWORD = 'userpassword';
const STATUS = 'inetuserstatus';
/** Body members that are never stored: the name, the envelope, and what AM computes. */
const IGNORED = new Set([
  'username',
  'realm',
  'uid',
  'universalid',
  'dn',
  'objectclass',
  'createtimestamp',
  'modifytimestamp',
]);
/** Attributes the view computes; stored attributes of these names are not shown. */
const COMPUTED = new Set([...IGNORED, PASSWORD, STATUS]);

/** `yyyyMMddHHmmssZ`: LDAP generalized time, as AM shows `createTimestamp`. */
export function generalizedTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

/** A user's content as AM writes it (never its password), in AM's member order. */
export function userContent(identity: Identity, realm: Realm): Record<string, unknown> {
  const { attributes } = identity;
  const stored = (name: string) => {
    const key = Object.keys(attributes).find((k) => k.toLowerCase() === name);
    return (key === undefined ? undefined : attributes[key]) ?? [identity.username];
  };
  const content: Record<string, unknown> = {
    username: identity.username,
    realm: identity.realm,
    uid: [identity.username],
    universalid: [identity.universalId],
    objectClass: [...USER_OBJECT_CLASSES],
    inetUserStatus: [identity.status],
    dn: [`uid=${identity.username},ou=people,${realm.dn}`],
    cn: [...stored('cn')],
    sn: [...stored('sn')],
    createTimestamp: [generalizedTime(identity.createTime)],
    modifyTimestamp: [generalizedTime(identity.modifyTime)],
  };
  for (const [name, values] of Object.entries(attributes)) {
    const lower = name.toLowerCase();
    if (COMPUTED.has(lower) || lower === 'cn' || lower === 'sn' || name.startsWith('_')) continue;
    content[name] = [...values];
  }
  return content;
}

/** A write of a user read from a request body: what `IdentityService` needs, and the attributes. */
export interface UserWrite {
  password: string | undefined;
  status: IdentityStatus | undefined;
  /** Attributes to set; an empty list removes the attribute. */
  attributes: Record<string, string[]>;
}

/** Reads a create or update body: `userpassword`, `inetUserStatus`, and every other attribute. */
export function readUserWrite(body: Record<string, unknown>): UserWrite {
  const write: UserWrite = { password: undefined, status: undefined, attributes: {} };
  for (const [name, raw] of Object.entries(body)) {
    const lower = name.toLowerCase();
    if (IGNORED.has(lower) || name.startsWith('_')) continue;
    const values = stringValues(name, raw);
    if (lower === PASSWORD) {
      if (values.length !== 1 || values[0] === '')
        fail('BadRequest', 'The password must be one non-empty string');
      write.password = values[0];
    } else if (lower === STATUS) {
      write.status = statusOf(values);
    } else {
      write.attributes[name] = values;
    }
  }
  return write;
}

function stringValues(name: string, raw: unknown): string[] {
  if (raw === null) return [];
  if (typeof raw === 'string') return [raw];
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return raw as string[];
  return fail(
    'BadRequest',
    `Invalid value for attribute '${name}': expected a string or an array of strings`,
  );
}

function statusOf(values: string[]): IdentityStatus {
  const value = values.length === 1 ? values[0]?.toLowerCase() : undefined;
  if (value === 'active') return 'Active';
  if (value === 'inactive') return 'Inactive';
  return fail('BadRequest', `Invalid inetUserStatus '${values.join(',')}': expected Active or Inactive`);
}

/** The stored attributes after a write: named ones replaced (names compare case-insensitively). */
export function mergeAttributes(
  current: Readonly<Record<string, readonly string[]>>,
  changes: Record<string, string[]>,
): Record<string, readonly string[]> {
  const merged: Record<string, readonly string[]> = {};
  const changed = new Set(Object.keys(changes).map((n) => n.toLowerCase()));
  for (const [name, values] of Object.entries(current)) {
    if (!changed.has(name.toLowerCase())) merged[name] = values;
  }
  for (const [name, values] of Object.entries(changes)) {
    if (values.length > 0) merged[name] = values;
  }
  return merged;
}

/** The `IdentityService` changes of an update. */
export function identityChanges(current: Identity, write: UserWrite): IdentityChanges {
  return {
    password: write.password,
    status: write.status,
    attributes: mergeAttributes(current.attributes, write.attributes),
  };
}
