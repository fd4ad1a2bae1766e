import { type Static, type TSchema, Type } from 'typebox';
import { Value } from 'typebox/value';
import type { StoredIdentity } from '../domain/identity/identity.js';
import type { StoredSession } from '../domain/sessions/session.js';

/**
 * The export format (`anvil export` / `anvil import`): JSON Lines. Line 1 is the header
 * `{"anvil":"export","version":1,…}`; then one record per line, each with a `type`; the last line is
 * the `end` record, which counts the records of each type so that a truncated file is noticed.
 * Passwords travel only as their argon2 hashes and session secrets only as their SHA-256 (base64).
 */
export const EXPORT_FORMAT_VERSION = 1;

const Text = Type.String({ minLength: 1 });
const Millis = Type.Integer({ minimum: 0 });
const Minutes = Type.Integer({ minimum: 1 });
const strict = { additionalProperties: false } as const;

const RECORD_SCHEMAS = {
  identity: Type.Object(
    {
      type: Type.Literal('identity'),
      realm: Text,
      username: Text,
      universalId: Text,
      status: Type.Union([Type.Literal('Active'), Type.Literal('Inactive')]),
      attributes: Type.Record(Type.String(), Type.Array(Type.String())),
      createTime: Millis,
      modifyTime: Millis,
      passwordHash: Type.Union([Text, Type.Null()]),
    },
    strict,
  ),
  session: Type.Object(
    {
      type: Type.Literal('session'),
      id: Text,
      /** SHA-256 of the token's secret part, base64. */
      secretHash: Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' }),
      sessionHandle: Text,
      universalId: Text,
      username: Text,
      realm: Text,
      creationTime: Millis,
      latestAccessTime: Millis,
      maxIdleMinutes: Minutes,
      maxSessionMinutes: Minutes,
      expiresAt: Millis,
      properties: Type.Record(Type.String(), Type.String()),
    },
    strict,
  ),
  /** Failed-login counters; bounded so that a damaged line cannot make the import loop for ever. */
  lockout: Type.Object(
    {
      type: Type.Literal('lockout'),
      realm: Text,
      username: Text,
      failures: Type.Integer({ minimum: 1, maximum: 100_000 }),
    },
    strict,
  ),
  /** A spent authId, kept until it expires so that it cannot be replayed on the new store. */
  usedJourney: Type.Object({ type: Type.Literal('usedJourney'), id: Text, expiresAt: Millis }, strict),
  meta: Type.Object({ type: Type.Literal('meta'), key: Text, value: Type.String() }, strict),
} as const;

export type RecordType = keyof typeof RECORD_SCHEMAS;
export const RECORD_TYPES = Object.keys(RECORD_SCHEMAS) as RecordType[];
export type RecordCounts = Record<RecordType, number>;

const Count = Type.Integer({ minimum: 0 });
const END_SCHEMA = Type.Object(
  {
    type: Type.Literal('end'),
    counts: Type.Object(
      { identity: Count, session: Count, lockout: Count, usedJourney: Count, meta: Count },
      strict,
    ),
  },
  strict,
);

export type IdentityRecord = Static<(typeof RECORD_SCHEMAS)['identity']>;
export type SessionRecord = Static<(typeof RECORD_SCHEMAS)['session']>;
export type LockoutRecord = Static<(typeof RECORD_SCHEMAS)['lockout']>;
export type UsedJourneyRecord = Static<(typeof RECORD_SCHEMAS)['usedJourney']>;
export type MetaRecord = Static<(typeof RECORD_SCHEMAS)['meta']>;
export type EndRecord = Static<typeof END_SCHEMA>;
export type DataRecord = IdentityRecord | SessionRecord | LockoutRecord | UsedJourneyRecord | MetaRecord;

export interface ExportHeader {
  anvil: 'export';
  version: number;
  /** ISO time of the export. */
  exportedAt: string;
  /** Where the data came from, e.g. `sqlite (data/anvil.db)`. */
  source: string;
  /** The schema version of the source database. */
  schemaVersion: number;
}

export type ExportLine = ExportHeader | DataRecord | EndRecord;

export const emptyCounts = (): RecordCounts => ({
  identity: 0,
  session: 0,
  lockout: 0,
  usedJourney: 0,
  meta: 0,
});

export function identityRecord(i: StoredIdentity): IdentityRecord {
  return {
    type: 'identity',
    realm: i.realm,
    username: i.username,
    universalId: i.universalId,
    status: i.status,
    attributes: Object.fromEntries(Object.entries(i.attributes).map(([k, v]) => [k, [...v]])),
    createTime: i.createTime,
    modifyTime: i.modifyTime,
    passwordHash: i.passwordHash ?? null,
  };
}

export function sessionRecord(s: StoredSession): SessionRecord {
  const { secretHash, properties, ...rest } = s;
  return {
    type: 'session',
    ...rest,
    secretHash: secretHash.toString('base64'),
    properties: { ...properties },
  };
}

/** Why an export cannot be imported at all (its header): nothing was written. */
export class ImportRefusedError extends Error {
  override name = 'ImportRefusedError';
}

/** Line 1: the header, refused (ImportRefusedError) when missing or of another version. */
export function parseHeader(line: string | undefined): ExportHeader {
  const expected = `expected {"anvil":"export","version":${EXPORT_FORMAT_VERSION},…}`;
  if (line === undefined || line.trim() === '') {
    throw new ImportRefusedError(`line 1: no export header (${expected}); is this an anvil export?`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line.replace(/^\uFEFF/, ''));
  } catch {
    throw new ImportRefusedError(`line 1: not an export header (${expected}); is this an anvil export?`);
  }
  const header = value as Partial<ExportHeader> | null;
  if (typeof header !== 'object' || header === null || header.anvil !== 'export') {
    throw new ImportRefusedError(`line 1: not an export header (${expected}); is this an anvil export?`);
  }
  if (header.version !== EXPORT_FORMAT_VERSION) {
    throw new ImportRefusedError(
      `line 1: export format version ${JSON.stringify(header.version)}; this Anvil reads version ${EXPORT_FORMAT_VERSION}`,
    );
  }
  return header as ExportHeader;
}

export type Parsed =
  | { record: DataRecord | EndRecord; type: RecordType | undefined }
  | { error: string; type: RecordType | undefined };

/** Any later line: a record of a known type that matches its schema, or why not. */
export function parseLine(line: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `not JSON (${messageOf(error)})`, type: undefined };
  }
  const tag = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const schema: TSchema | undefined =
    tag === 'end'
      ? END_SCHEMA
      : Object.hasOwn(RECORD_SCHEMAS, String(tag))
        ? RECORD_SCHEMAS[tag as RecordType]
        : undefined;
  const type = tag !== 'end' && schema ? (tag as RecordType) : undefined;
  if (!schema) return { error: `unknown record type ${JSON.stringify(tag ?? null)}`, type };
  if (!Value.Check(schema, value))
    return { error: `${String(tag)} record: ${schemaError(schema, value)}`, type };
  return { record: value as DataRecord | EndRecord, type };
}

/** The first schema violation, e.g. `passwordHash must be string or must be null`. */
function schemaError(schema: TSchema, value: unknown): string {
  const errors = [...Value.Errors(schema, value)].filter((e) => e.keyword !== 'boolean');
  const first = errors[0];
  if (!first) return 'invalid';
  const path = first.instancePath.split('/').filter(Boolean).join('.');
  if (first.keyword === 'additionalProperties') {
    const extra = (first.params as { additionalProperties?: unknown }).additionalProperties;
    return `unknown field ${[extra]
      .flat()
      .map((name) => (path ? `${path}.${String(name)}` : String(name)))
      .join(', ')}`;
  }
  const messages = errors
    .filter((e) => e.instancePath === first.instancePath && e.keyword !== 'anyOf')
    .map((e) => e.message);
  return `${path || 'the record'} ${[...new Set(messages)].join(' or ')}`;
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(messageOf))].join('; ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
