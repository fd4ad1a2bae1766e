import { describe, expect, it } from 'vitest';
import { AnvilError } from '../../src/domain/errors.js';
import {
  atLeast,
  DEFAULT_PROTOCOL,
  formatVersion,
  negotiate,
  parseAcceptApiVersion,
  parseVersion,
  type Version,
} from '../../src/http/crest/api-version.js';

const v = (major: number, minor: number): Version => ({ major, minor });

function errorOf(fn: () => unknown): AnvilError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AnvilError) return error;
    throw error;
  }
  throw new Error('expected an AnvilError, got none');
}

describe('parseAcceptApiVersion', () => {
  it('returns nothing requested without a header', () => {
    expect(parseAcceptApiVersion(undefined)).toEqual({ protocol: undefined, resource: undefined });
  });

  it('reads a resource version alone, a protocol version alone', () => {
    expect(parseAcceptApiVersion('resource=4.0')).toEqual({ protocol: undefined, resource: v(4, 0) });
    expect(parseAcceptApiVersion('protocol=2.1')).toEqual({ protocol: v(2, 1), resource: undefined });
  });

  it('reads both, in either order', () => {
    const expected = { protocol: v(2, 1), resource: v(3, 1) };
    expect(parseAcceptApiVersion('protocol=2.1,resource=3.1')).toEqual(expected);
    expect(parseAcceptApiVersion('resource=3.1,protocol=2.1')).toEqual(expected);
  });

  it('allows spaces around the comma, and around the whole value', () => {
    const expected = { protocol: v(1, 0), resource: v(2, 0) };
    for (const header of [
      'protocol=1.0, resource=2.0',
      'protocol=1.0 ,resource=2.0',
      'protocol=1.0  ,  resource=2.0',
      'resource=2.0 , protocol=1.0',
      '  protocol=1.0,resource=2.0  ',
    ]) {
      expect(parseAcceptApiVersion(header), header).toEqual(expected);
    }
  });

  it('reads a bare major version as minor 0 (resource=1 → 1.0)', () => {
    expect(parseAcceptApiVersion('resource=1')).toEqual({ protocol: undefined, resource: v(1, 0) });
    expect(parseAcceptApiVersion('protocol=2')).toEqual({ protocol: v(2, 0), resource: undefined });
  });

  it('refuses invalid formats with InvalidVersion', () => {
    for (const header of [
      '',
      'resource',
      'resource=',
      'resource=a',
      'resource=1.',
      'resource=.1',
      'resource=1.0.0',
      'resource = 1.0',
      'resource= 1.0',
      'resource=1.0;protocol=2.1',
      'resource=1.0 protocol=2.1',
      'resource=1.0,',
      'resource=1.0,resource=2.0',
      'protocol=1.0,protocol=2.0',
      'resource=1.0,protocol=2.1,resource=2.0',
      'version=1.0',
      'resource=-1',
      'resource=12345',
    ]) {
      const error = errorOf(() => parseAcceptApiVersion(header));
      expect(error.kind, JSON.stringify(header)).toBe('InvalidVersion');
      expect(error.message).toBe(`Version string is in an invalid format: ${header}`);
    }
  });

  it('refuses capitalised keywords', () => {
    for (const header of ['Resource=1.0', 'PROTOCOL=2.1', 'protocol=2.1,Resource=1.0']) {
      expect(errorOf(() => parseAcceptApiVersion(header)).kind, header).toBe('InvalidVersion');
    }
  });

  it('refuses unsupported protocol versions with UnsupportedProtocolVersion', () => {
    expect(errorOf(() => parseAcceptApiVersion('protocol=3.0')).kind).toBe('UnsupportedProtocolVersion');
    expect(errorOf(() => parseAcceptApiVersion('protocol=3.0')).message).toBe(
      'Unsupported major version: 3.0',
    );
    expect(errorOf(() => parseAcceptApiVersion('protocol=0.9')).kind).toBe('UnsupportedProtocolVersion');
    expect(errorOf(() => parseAcceptApiVersion('protocol=2.3')).message).toBe(
      'Unsupported minor version: 2.3',
    );
    expect(errorOf(() => parseAcceptApiVersion('protocol=1.2,resource=1.0')).kind).toBe(
      'UnsupportedProtocolVersion',
    );
  });

  it('accepts the supported protocols 1.0, 1.1, 2.0, 2.1 and 2.2', () => {
    for (const p of ['1.0', '1.1', '2.0', '2.1', '2.2']) {
      expect(parseAcceptApiVersion(`protocol=${p}`).protocol, p).toEqual(parseVersion(p));
    }
  });

  it('does not restrict resource versions', () => {
    expect(parseAcceptApiVersion('resource=9.9').resource).toEqual(v(9, 9));
  });
});

describe('version helpers', () => {
  it('parse and format', () => {
    expect(parseVersion('2.1')).toEqual(v(2, 1));
    expect(parseVersion('3')).toEqual(v(3, 0));
    expect(formatVersion(v(4, 0))).toBe('4.0');
    expect(formatVersion(DEFAULT_PROTOCOL)).toBe('2.1');
  });

  it('atLeast compares major then minor', () => {
    expect(atLeast(v(4, 0), 4)).toBe(true);
    expect(atLeast(v(4, 0), 4, 1)).toBe(false);
    expect(atLeast(v(3, 9), 4)).toBe(false);
    expect(atLeast(v(5, 0), 4, 9)).toBe(true);
  });
});

describe('negotiate', () => {
  const routes = [v(1, 0), v(1, 1), v(2, 0), v(2, 1), v(3, 0), v(4, 0)];

  it('picks the newest route when no version is requested', () => {
    expect(negotiate(routes, undefined)).toEqual(v(4, 0));
  });

  it('picks the highest minor of the same major that is at least the requested minor', () => {
    expect(negotiate(routes, v(1, 0))).toEqual(v(1, 1));
    expect(negotiate(routes, v(1, 1))).toEqual(v(1, 1));
    expect(negotiate(routes, v(2, 0))).toEqual(v(2, 1));
    expect(negotiate(routes, v(3, 0))).toEqual(v(3, 0));
  });

  it('never serves a lower minor, nor another major', () => {
    expect(negotiate(routes, v(1, 2))).toBeUndefined();
    expect(negotiate(routes, v(3, 1))).toBeUndefined();
    expect(negotiate(routes, v(5, 0))).toBeUndefined();
    expect(negotiate(routes, v(0, 0))).toBeUndefined();
  });

  it('finds nothing among no routes', () => {
    expect(negotiate([], undefined)).toBeUndefined();
    expect(negotiate([], v(1, 0))).toBeUndefined();
  });
});
