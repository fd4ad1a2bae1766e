import { describe, expect, it } from 'vitest';
import {
  matchesFilter,
  parsePointer,
  parseQueryFilter,
  QueryFilterError,
  resolvePointer,
} from '../../src/domain/identity/query-filter.js';

const user = {
  _id: 'bjensen',
  username: 'bjensen',
  uid: ['bjensen'],
  mail: ['bjensen@example.com', 'babs@example.org'],
  cn: ['Barbara Jensen'],
  inetUserStatus: ['Active'],
  createTimestamp: ['20260101090000Z'],
  empty: [],
  age: 42,
  ageText: ['42'],
  admin: false,
  nested: { level: { deep: 'yes' } },
};

const matches = (filter: string, resource: unknown = user, ignoreCase = true) =>
  matchesFilter(parseQueryFilter(filter), resource, { ignoreCase });

const parseError = (filter: string) => {
  try {
    parseQueryFilter(filter);
  } catch (error) {
    expect(error).toBeInstanceOf(QueryFilterError);
    return (error as Error).message;
  }
  throw new Error(`parsed: ${filter}`);
};

describe('parseQueryFilter', () => {
  it('parses literals, case-insensitively', () => {
    expect(parseQueryFilter('true')).toEqual({ kind: 'literal', value: true });
    expect(parseQueryFilter(' FALSE ')).toEqual({ kind: 'literal', value: false });
  });

  it('parses comparisons with string, number and boolean values', () => {
    expect(parseQueryFilter('uid eq "bjensen"')).toEqual({
      kind: 'comparison',
      pointer: ['uid'],
      operator: 'eq',
      value: 'bjensen',
    });
    expect(parseQueryFilter("/a/b GE 'x y'")).toMatchObject({
      pointer: ['a', 'b'],
      operator: 'ge',
      value: 'x y',
    });
    expect(parseQueryFilter('age lt 42')).toMatchObject({ value: 42 });
    expect(parseQueryFilter('age le -1.5')).toMatchObject({ value: -1.5 });
    expect(parseQueryFilter('admin eq TRUE')).toMatchObject({ value: true });
  });

  it('parses presence, and/or precedence, negation and parentheses', () => {
    expect(parseQueryFilter('mail pr')).toEqual({ kind: 'present', pointer: ['mail'] });
    expect(parseQueryFilter('a pr or b pr and c pr')).toEqual({
      kind: 'or',
      filters: [
        { kind: 'present', pointer: ['a'] },
        {
          kind: 'and',
          filters: [
            { kind: 'present', pointer: ['b'] },
            { kind: 'present', pointer: ['c'] },
          ],
        },
      ],
    });
    expect(parseQueryFilter('!(a pr)')).toEqual({ kind: 'not', filter: { kind: 'present', pointer: ['a'] } });
    expect(parseQueryFilter('not (a pr)')).toEqual({
      kind: 'not',
      filter: { kind: 'present', pointer: ['a'] },
    });
    expect(parseQueryFilter('(a pr OR b pr) AnD c pr')).toMatchObject({ kind: 'and' });
  });

  it('reads a field named "not" when an operator follows it', () => {
    expect(parseQueryFilter('not pr')).toEqual({ kind: 'present', pointer: ['not'] });
  });

  it('unescapes quoted strings and JSON pointer tokens', () => {
    expect(parseQueryFilter('cn eq "say \\"hi\\" \\\\ now"')).toMatchObject({ value: 'say "hi" \\ now' });
    expect(parseQueryFilter('/a~1b/c~0d eq "x"')).toMatchObject({ pointer: ['a/b', 'c~d'] });
  });

  it('names the problem of a filter it cannot parse', () => {
    expect(parseError('')).toBe('Expected an expression but found the end of the filter');
    expect(parseError('uid')).toBe("Expected an operator after 'uid' but found the end of the filter");
    expect(parseError('uid eq')).toBe("Expected a value after 'eq' but found the end of the filter");
    expect(parseError('uid eq bjensen')).toBe(
      "Expected a quoted string, a number, true or false after 'eq' but found 'bjensen'",
    );
    expect(parseError('uid ne "x"')).toBe("Unsupported filter operator 'ne'");
    expect(parseError('uid =~ "x"')).toBe("'=~' is not a valid filter operator");
    expect(parseError('uid eq "x')).toBe('Unterminated string "x');
    expect(parseError('(uid pr')).toBe("Expected ')' but found the end of the filter");
    expect(parseError('uid pr)')).toBe("Expected 'and', 'or' or the end of the filter but found ')'");
    expect(parseError('uid pr mail pr')).toBe(
      "Expected 'and', 'or' or the end of the filter but found 'mail'",
    );
    expect(parseError('"uid" pr')).toBe('Expected an expression but found "uid"');
    expect(parseError('a~2 pr')).toBe("Invalid JSON pointer 'a~2'");
    expect(parseError(`${'('.repeat(300)}true${')'.repeat(300)}`)).toBe('More than 256 nested expressions');
  });
});

describe('matchesFilter', () => {
  it('evaluates literals and boolean operators', () => {
    expect(matches('true')).toBe(true);
    expect(matches('false')).toBe(false);
    expect(matches('uid pr and mail pr')).toBe(true);
    expect(matches('uid pr and nothing pr')).toBe(false);
    expect(matches('nothing pr or mail pr')).toBe(true);
    expect(matches('!(nothing pr)')).toBe(true);
    expect(matches('not (uid pr)')).toBe(false);
  });

  it('matches any element of an array attribute', () => {
    expect(matches('mail eq "babs@example.org"')).toBe(true);
    expect(matches('mail sw "bjensen@"')).toBe(true);
    expect(matches('mail co "example.org"')).toBe(true);
    expect(matches('mail eq "nobody@example.org"')).toBe(false);
  });

  it('compares strings case-insensitively with directory semantics, exactly otherwise', () => {
    expect(matches('uid eq "BJensen"')).toBe(true);
    expect(matches('UID eq "bjensen"')).toBe(true);
    expect(matches('cn co "JENSEN"')).toBe(true);
    expect(matches('uid eq "BJensen"', user, false)).toBe(false);
    expect(matches('UID pr', user, false)).toBe(false);
    expect(matches('cn co "Jensen"', user, false)).toBe(true);
  });

  it('orders strings, numbers and numeric strings', () => {
    expect(matches('createTimestamp gt "20250101000000Z"')).toBe(true);
    expect(matches('createTimestamp lt "20250101000000Z"')).toBe(false);
    expect(matches('age ge 42 and age le 42 and age gt 41 and age lt 43')).toBe(true);
    expect(matches('age eq 42.0')).toBe(true);
    expect(matches('ageText eq 42 and ageText gt 41.5')).toBe(true);
    expect(matches('uid gt 3')).toBe(false);
  });

  it('compares booleans', () => {
    expect(matches('admin eq false')).toBe(true);
    expect(matches('admin eq true')).toBe(false);
    expect(matches('admin co "f"')).toBe(false);
  });

  it('treats missing, null and empty values as absent', () => {
    expect(matches('empty pr')).toBe(false);
    expect(matches('nothing eq "x"')).toBe(false);
    expect(matches('x pr', { x: null })).toBe(false);
    expect(matches('x pr', { x: '' })).toBe(true);
  });

  it('follows nested pointers and array indexes', () => {
    expect(matches('/nested/level/deep eq "yes"')).toBe(true);
    expect(matches('nested/level/deep eq "yes"')).toBe(true);
    expect(matches('/mail/1 eq "babs@example.org"')).toBe(true);
    expect(matches('/mail/2 pr')).toBe(false);
  });
});

describe('pointers', () => {
  it('parses with or without the leading slash', () => {
    expect(parsePointer('uid')).toEqual(['uid']);
    expect(parsePointer('/uid')).toEqual(['uid']);
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('/')).toEqual([]);
    expect(() => parsePointer('/a~')).toThrow(QueryFilterError);
  });

  it('resolves', () => {
    expect(resolvePointer(user, ['mail', '0'])).toBe('bjensen@example.com');
    expect(resolvePointer(user, ['mail', '01'])).toBeUndefined();
    expect(resolvePointer(user, [])).toBe(user);
    expect(resolvePointer(user, ['age', 'x'])).toBeUndefined();
  });
});
