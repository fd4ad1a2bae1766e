import { createHash } from 'node:crypto';
import { fail } from '../../domain/errors.js';
import {
  type Pointer,
  parsePointer,
  QueryFilterError,
  resolvePointer,
} from '../../domain/identity/query-filter.js';

/** CREST's read conveniences shared by every resource: `_fields` and `_rev`. */

/** A revision string derived from the content (so from `modifyTimestamp` among the rest). */
export function revisionOf(content: unknown): string {
  return String(createHash('sha256').update(JSON.stringify(content)).digest().readInt32BE(0));
}

/** `_fields`: comma-separated JSON pointers; `undefined` when absent (every field). */
export function parseFields(raw: string | undefined): Pointer[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return raw.split(',').map((field) => parsePointer(field.trim()));
  } catch (error) {
    if (!(error instanceof QueryFilterError)) throw error;
    return fail(
      'InvalidParameter',
      `The value '${raw}' for parameter '_fields' could not be parsed as a comma separated list of JSON pointers`,
    );
  }
}

/** Keeps the named fields of a content object (an empty pointer keeps everything). */
export function selectFields(
  content: Record<string, unknown>,
  fields: readonly Pointer[] | undefined,
): Record<string, unknown> {
  if (fields === undefined || fields.some((f) => f.length === 0)) return content;
  const out: Record<string, unknown> = {};
  for (const pointer of fields) {
    const value = resolvePointer(content, pointer);
    if (value === undefined) continue;
    let target = out;
    pointer.forEach((token, i) => {
      if (i === pointer.length - 1) {
        target[token] = value;
        return;
      }
      const next = target[token];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[token] = {};
      target = target[token] as Record<string, unknown>;
    });
  }
  return out;
}
