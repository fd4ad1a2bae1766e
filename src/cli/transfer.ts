import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { openStores, type Stores } from '../stores/index.js';
import { type ExportStats, exportSqlite } from '../stores/sqlite/export.js';
import {
  emptyCounts,
  ImportRefusedError,
  messageOf,
  RECORD_TYPES,
  type RecordType,
} from '../stores/transfer.js';
import { type ImportReport, importExport } from './import.js';

const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

/** Errors shown in full; the rest are counted. */
const SHOWN_ERRORS = 20;

const NOUNS: Record<RecordType, [string, string]> = {
  identity: ['identity', 'identities'],
  session: ['session', 'sessions'],
  lockout: ['lockout counter', 'lockout counters'],
  usedJourney: ['spent authId', 'spent authIds'],
  meta: ['meta value', 'meta values'],
};
const plural = (n: number, type: RecordType) => `${n} ${NOUNS[type][n === 1 ? 0 : 1]}`;

/**
 * `anvil export [--out FILE]`: the SQLite store under `dataDir`, read-only, as JSON Lines on
 * standard output or in FILE (created readable by its owner only: it holds password hashes and
 * the journey secret). The summary goes to standard error, so that stdout carries only the export.
 */
export async function runExport(config: Readonly<Config>, out: string | undefined): Promise<number> {
  const stats: ExportStats = { counts: emptyCounts(), expiredSessions: 0, source: '' };
  const stream: Writable = out === undefined ? process.stdout : createWriteStream(out, { mode: 0o600 });
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure ??= error;
  };
  stream.on('error', onError);
  try {
    for (const line of exportSqlite(config.dataDir, systemClock.now(), stats)) {
      if (failure) throw failure;
      if (!stream.write(`${JSON.stringify(line)}\n`))
        await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
    }
    if (out !== undefined) {
      stream.end();
      await once(stream, 'finish');
    } else if (stream.writableNeedDrain) await once(stream, 'drain');
    if (failure) throw failure;
  } catch (error) {
    if (out !== undefined) {
      stream.destroy();
      rmSync(out, { force: true });
    }
    warn(`anvil export: failed: ${messageOf(error)}`);
    return 1;
  }
  const parts = RECORD_TYPES.map((type) => plural(stats.counts[type], type));
  const expired = stats.expiredSessions > 0 ? ` (${stats.expiredSessions} expired sessions left out)` : '';
  warn(`anvil export: ${parts.join(', ')}${expired}`);
  warn(`  from ${stats.source} to ${out ?? 'standard output'}`);
  return 0;
}

/**
 * `anvil import [--in FILE]`: loads an export (standard input by default) into the configured
 * stores. Existing records are skipped, never overwritten. Exit 1 when the header is refused,
 * the stores cannot be opened, or any line could not be read or written (the others are imported).
 */
export async function runImport(config: Readonly<Config>, inFile: string | undefined): Promise<number> {
  let lines: AsyncIterable<string>;
  let closeInput = async () => {};
  if (inFile === undefined) {
    if (process.stdin.isTTY) {
      warn('anvil import: give the export with --in FILE or on standard input (it is a terminal)');
      return 1;
    }
    lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  } else {
    try {
      const handle = await open(inFile, 'r');
      lines = handle.readLines();
      closeInput = () => handle.close().catch(() => {});
    } catch (error) {
      warn(`anvil import: cannot read ${inFile}: ${messageOf(error)}`);
      return 1;
    }
  }
  let stores: Stores | undefined;
  let report: ImportReport;
  try {
    report = await importExport(
      lines,
      async () => {
        // Errors while opening are in the rejection; later ones (a dropped connection) are told here.
        const onError = (error: Error) => {
          if (stores) warn(`anvil import: store connection error: ${messageOf(error)}`);
        };
        stores = await openStores(config, onError).catch((error: unknown) => {
          throw new Error(`cannot open the configured stores: ${messageOf(error)}`);
        });
        return stores;
      },
      () => systemClock.now(),
    );
  } catch (error) {
    const why = error instanceof ImportRefusedError ? 'refused' : 'failed';
    warn(`anvil import: ${why}: ${messageOf(error)}${stores ? '' : ' (nothing was imported)'}`);
    return 1;
  } finally {
    await closeInput();
    await stores?.close().catch(() => {});
  }
  printReport(report, inFile, stores?.description ?? '');
  return report.errors.length > 0 ? 1 : 0;
}

function printReport(report: ImportReport, inFile: string | undefined, target: string): void {
  const { header } = report;
  say(
    `anvil import: ${inFile ?? 'standard input'} (exported ${header.exportedAt ?? '?'} from ${header.source ?? '?'})`,
  );
  say(`  into ${target}`);
  const width = Math.max(...RECORD_TYPES.map((t) => NOUNS[t][1].length)) + 1;
  for (const type of RECORD_TYPES) {
    const expired = report.expired[type] > 0 ? `, ${report.expired[type]} expired since the export` : '';
    // A MetaStore cannot tell a value it just stored from an equal one it had.
    const counts =
      type === 'meta'
        ? `${report.imported.meta} in place (stored, or already equal), ${report.skipped.meta} skipped (the target keeps another value)`
        : `${report.imported[type]} imported, ${report.skipped[type]} skipped (already there)${expired}`;
    say(`  ${`${NOUNS[type][1]}:`.padEnd(width)} ${counts}`);
  }
  for (const warning of report.warnings) warn(`anvil import: warning: ${warning}`);
  for (const error of report.errors.slice(0, SHOWN_ERRORS)) warn(`anvil import: error: ${error}`);
  if (report.errors.length > SHOWN_ERRORS)
    warn(`anvil import: … and ${report.errors.length - SHOWN_ERRORS} more errors`);
  if (report.errors.length > 0) {
    warn(
      `anvil import: ${report.errors.length} error(s); the valid lines were imported, the others were not`,
    );
  }
}
