import type { UsedJourneyStore } from '../domain/authn/authn-service.js';
import type { LockoutStore } from '../domain/authn/lockout.js';
import type { IdentityStore } from '../domain/identity/store.js';
import type { MetaStore } from '../domain/meta-store.js';
import { isLive, type StoredSession } from '../domain/sessions/session.js';
import type { SessionStore } from '../domain/sessions/store.js';
import {
  type DataRecord,
  type EndRecord,
  type ExportHeader,
  emptyCounts,
  type LockoutRecord,
  messageOf,
  parseHeader,
  parseLine,
  RECORD_TYPES,
  type RecordCounts,
} from '../stores/transfer.js';

/** What an import writes to: the configured stores. */
export interface ImportTarget {
  identities: IdentityStore;
  sessions: SessionStore;
  lockouts: LockoutStore;
  usedJourneys: UsedJourneyStore;
  meta: MetaStore;
}

export interface ImportReport {
  /** Records written. For meta: the target now holds the exported value (written or already equal). */
  imported: RecordCounts;
  /** Records already on the target (existing user, session id, counter, spent id; meta kept different). */
  skipped: RecordCounts;
  /** Sessions and spent authIds that expired since the export: not written. */
  expired: RecordCounts;
  /** Things done that the operator should know about (e.g. a meta value the target keeps). */
  warnings: string[];
  /** Lines that could not be read or written, with their line numbers, and a missing or wrong end. */
  errors: string[];
  header: ExportHeader;
}

/** Consecutive write failures after which the import stops (the target is probably down). */
const GIVE_UP_AFTER = 10;

/**
 * Reads an export line by line and writes its records into the target, opened only once the header
 * has been accepted. Existing data is never overwritten: every record that is already there is
 * skipped, so running the same import twice changes nothing. Bad lines are reported (with their
 * numbers) and the others still imported. Throws ImportRefusedError when the header is missing or
 * of another version.
 */
export async function importExport(
  lines: AsyncIterable<string>,
  openTarget: (header: ExportHeader) => Promise<ImportTarget>,
  now: () => number,
): Promise<ImportReport> {
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = parseHeader(first.done ? undefined : first.value);
  const target = await openTarget(header);
  const report: ImportReport = {
    imported: emptyCounts(),
    skipped: emptyCounts(),
    expired: emptyCounts(),
    warnings: [],
    errors: [],
    header,
  };
  const seen = emptyCounts();
  let end: EndRecord | undefined;
  let failures = 0;
  for (let lineNo = 2; ; lineNo += 1) {
    const next = await iterator.next();
    if (next.done) break;
    if (next.value.trim() === '') continue;
    if (end) {
      report.errors.push(`line ${lineNo}: data after the end record`);
      continue;
    }
    const parsed = parseLine(next.value);
    if (parsed.type !== undefined) seen[parsed.type] += 1;
    if ('error' in parsed) {
      report.errors.push(`line ${lineNo}: ${parsed.error}`);
      continue;
    }
    if (parsed.record.type === 'end') {
      end = parsed.record;
      continue;
    }
    try {
      const outcome = await apply(target, parsed.record, now(), report.warnings);
      report[outcome][parsed.record.type] += 1;
      failures = 0;
    } catch (error) {
      report.errors.push(`line ${lineNo}: could not write the ${parsed.record.type}: ${messageOf(error)}`);
      failures += 1;
      if (failures >= GIVE_UP_AFTER) {
        report.errors.push(`stopped after ${GIVE_UP_AFTER} consecutive write failures`);
        await iterator.return?.();
        return report;
      }
    }
  }
  if (!end) report.errors.push('the file has no end record: it is probably truncated');
  else {
    for (const type of RECORD_TYPES) {
      if (end.counts[type] !== seen[type]) {
        report.errors.push(
          `the end record announces ${end.counts[type]} ${type} records, the file has ${seen[type]}`,
        );
      }
    }
  }
  return report;
}

async function apply(
  target: ImportTarget,
  record: DataRecord,
  now: number,
  warnings: string[],
): Promise<'imported' | 'skipped' | 'expired'> {
  switch (record.type) {
    case 'identity': {
      const { type: _, passwordHash, ...identity } = record;
      return (await target.identities.insert({ ...identity, passwordHash: passwordHash ?? undefined }))
        ? 'imported'
        : 'skipped';
    }
    case 'session': {
      const { type: _, secretHash, ...rest } = record;
      const session: StoredSession = { ...rest, secretHash: Buffer.from(secretHash, 'base64') };
      if (session.expiresAt <= now || !isLive(session, now)) return 'expired';
      // Ids are unique: one already there is this session, imported before.
      if (await target.sessions.get(session.id)) return 'skipped';
      await target.sessions.insert(session);
      return 'imported';
    }
    case 'lockout':
      return importCounter(target.lockouts, record);
    case 'usedJourney':
      if (record.expiresAt < now) return 'expired';
      return (await target.usedJourneys.spend(record.id, record.expiresAt)) ? 'imported' : 'skipped';
    case 'meta': {
      const stored = await target.meta.getOrSet(record.key, record.value);
      if (stored === record.value) return 'imported';
      warnings.push(`meta value ${record.key}: the target already holds another value, which is kept`);
      return 'skipped';
    }
  }
}

/**
 * A LockoutStore only counts up, so the first increment tells whether the target had a counter:
 * when it had none (the count is 1) the rest are added; when it had one, it is put back as it was.
 */
async function importCounter(store: LockoutStore, record: LockoutRecord): Promise<'imported' | 'skipped'> {
  const first = await store.increment(record.realm, record.username);
  if (first === 1) {
    for (let n = 1; n < record.failures; n += 1) await store.increment(record.realm, record.username);
    return 'imported';
  }
  await store.reset(record.realm, record.username);
  for (let n = 1; n < first; n += 1) await store.increment(record.realm, record.username);
  return 'skipped';
}
