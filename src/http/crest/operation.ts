import { fail } from '../../domain/errors.js';
import type { JsonRequest } from '../context.js';
import { atLeast, DEFAULT_PROTOCOL, formatVersion, negotiate, type Version } from './api-version.js';
import { single } from './request.js';

/** A CREST operation, from the HTTP method and parameters (spec §2.1). */
export type Operation =
  | { kind: 'action'; name: string }
  | { kind: 'create' | 'read' | 'query' | 'update' | 'patch' | 'delete' };

/** CREST's HTTP method → operation, with its precondition checks (412) and the 501 of other methods. */
export function operationOf(request: JsonRequest): Operation {
  const { method, query } = request;
  const headers = request.raw.headers;
  const ifMatch = headers['if-match'];
  const ifNoneMatch = headers['if-none-match'];
  const reject = (header: string | undefined, name: string) => {
    if (header !== undefined) fail('PreconditionFailed', `${name} not supported for ${method} requests`);
  };
  switch (method) {
    case 'POST': {
      reject(ifNoneMatch, 'If-None-Match');
      reject(ifMatch, 'If-Match');
      const action = single(query, '_action');
      if (action !== undefined && action !== '' && action.toLowerCase() !== 'create') {
        return { kind: 'action', name: action };
      }
      const protocol = request.versions.protocol ?? DEFAULT_PROTOCOL;
      if (action === undefined && !atLeast(protocol, 2, 1)) fail('MissingAction');
      return { kind: 'create' };
    }
    case 'GET':
    case 'HEAD': {
      if (['_queryFilter', '_queryId', '_queryExpression'].some((p) => query[p] !== undefined)) {
        reject(ifMatch, 'If-Match');
        reject(ifNoneMatch, 'If-None-Match');
        return { kind: 'query' };
      }
      reject(ifMatch, 'If-Match');
      if (ifNoneMatch === '*')
        fail('PreconditionFailed', `If-None-Match * not appropriate for ${method} requests`);
      return { kind: 'read' };
    }
    case 'PUT':
      if (ifMatch !== undefined && ifNoneMatch !== undefined) {
        fail(
          'PreconditionFailed',
          'Simultaneous use of If-Match and If-None-Match not supported for PUT requests',
        );
      }
      if (ifNoneMatch === '*') {
        if (request.path.length === 0) fail('BadRequest', 'No new resource ID in HTTP PUT request');
        return { kind: 'create' };
      }
      return { kind: 'update' };
    case 'PATCH':
      reject(ifNoneMatch, 'If-None-Match');
      return { kind: 'patch' };
    case 'DELETE':
      reject(ifNoneMatch, 'If-None-Match');
      return { kind: 'delete' };
    default:
      return fail('MethodNotSupported', `Method ${method} not supported`);
  }
}

/**
 * Picks the route version that serves a request (404 when none does) and records it for the
 * answer's `Content-API-Version`, with AM's `Warning` when the request named no version.
 */
export function routeVersion(
  request: JsonRequest,
  routes: readonly Version[],
): { served: Version; protocol: Version } {
  const served = negotiate(routes, request.versions.resource);
  if (!served) {
    const asked = request.versions.resource ? formatVersion(request.versions.resource) : '';
    return fail(
      'VersionNotFound',
      `Accept-API-Version: Requested version "${asked}" does not match any routes.`,
    );
  }
  const protocol = request.versions.protocol ?? DEFAULT_PROTOCOL;
  request.raw.anvil.contentApiVersion = `protocol=${formatVersion(protocol)},resource=${formatVersion(served)}`;
  request.raw.anvil.warn = request.versions.resource === undefined;
  return { served, protocol };
}
