import { fail } from '../../domain/errors.js';
import type { Query } from '../context.js';
import { single } from './request.js';

/** A query's parameters as CREST reads them, before any resource sees the request. */
export interface QueryParameters {
  filter: string | undefined;
  queryId: string | undefined;
  expression: string | undefined;
  pageSize: number | undefined;
  offset: number | undefined;
}

/**
 * `_queryFilter`, `_queryId` and `_queryExpression` (at most one of them) and the paging
 * integers, refused with AM's 400s when malformed.
 */
export function queryParameters(query: Query): QueryParameters {
  const filter = single(query, '_queryFilter');
  const queryId = single(query, '_queryId');
  const expression = single(query, '_queryExpression');
  const exclusive = (a: string, b: string) =>
    fail('BadRequest', `The parameters ${a} and ${b} are mutually exclusive`);
  if (queryId !== undefined && filter !== undefined) exclusive('_queryId', '_queryFilter');
  if (queryId !== undefined && expression !== undefined) exclusive('_queryId', '_queryExpression');
  if (filter !== undefined && expression !== undefined) exclusive('_queryFilter', '_queryExpression');
  return {
    filter,
    queryId,
    expression,
    pageSize: integerParameter(query, '_pageSize'),
    offset: integerParameter(query, '_pagedResultsOffset'),
  };
}

function integerParameter(query: Query, name: string): number | undefined {
  const raw = single(query, name);
  if (raw === undefined) return undefined;
  const value = /^[+-]?\d{1,10}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) {
    fail(
      'InvalidParameter',
      `The value '${raw}' for parameter '${name}' could not be parsed as a valid integer`,
    );
  }
  return value;
}
