/**
 * CREST `_queryFilter` expressions: a parser and an evaluator over JSON resources, free of any
 * framework. The grammar is CREST's:
 *
 *   Expr       = OrExpr
 *   OrExpr     = AndExpr ( 'or' AndExpr )*
 *   AndExpr    = NotExpr ( 'and' NotExpr )*
 *   NotExpr    = ( '!' | 'not' ) NotExpr | Primary
 *   Primary    = '(' Expr ')' | 'true' | 'false' | Pointer 'pr' | Pointer Operator Value
 *   Operator   = 'eq' | 'co' | 'sw' | 'gt' | 'ge' | 'lt' | 'le'
 *   Value      = '"' string '"' | "'" string "'" | number | 'true' | 'false'
 *
 * Keywords and operators are case-insensitive; tokens are separated by white space and
 * parentheses; a backslash inside a quoted string escapes the next character. Pointers are JSON
 * pointers, with or without the leading slash (`uid` is `/uid`). CREST's extended operators are
 * recognised and refused.
 */

export type ComparisonOperator = 'eq' | 'co' | 'sw' | 'gt' | 'ge' | 'lt' | 'le';
export type FilterValue = string | number | boolean;
/** A parsed JSON pointer: its reference tokens, unescaped. */
export type Pointer = readonly string[];

export type QueryFilter =
  | { kind: 'literal'; value: boolean }
  | { kind: 'comparison'; pointer: Pointer; operator: ComparisonOperator; value: FilterValue }
  | { kind: 'present'; pointer: Pointer }
  | { kind: 'and'; filters: readonly QueryFilter[] }
  | { kind: 'or'; filters: readonly QueryFilter[] }
  | { kind: 'not'; filter: QueryFilter };

/** A filter (or pointer) that cannot be parsed; `message` names the problem. */
export class QueryFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryFilterError';
  }
}

const OPERATORS = new Set<string>(['eq', 'co', 'sw', 'gt', 'ge', 'lt', 'le']);
const MAX_DEPTH = 256;

/** Parses a JSON pointer (`/a/b`, or `a/b` as CREST allows); `~0` and `~1` are the only escapes. */
export function parsePointer(text: string): Pointer {
  const body = text.startsWith('/') ? text.slice(1) : text;
  if (body === '') return [];
  return body.split('/').map((token) => {
    if (/~(?![01])/.test(token)) throw new QueryFilterError(`Invalid JSON pointer '${text}'`);
    return token.replaceAll('~1', '/').replaceAll('~0', '~');
  });
}

type Token = { text: string; quoted: boolean };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')') {
      tokens.push({ text: c, quoted: false });
      i += 1;
    } else if (c === '"' || c === "'") {
      let value = '';
      i += 1;
      while (i < input.length && input[i] !== c) {
        if (input[i] === '\\') {
          i += 1;
          if (i >= input.length) throw new QueryFilterError('The filter cannot end with an escape character');
        }
        value += input[i];
        i += 1;
      }
      if (i >= input.length) throw new QueryFilterError(`Unterminated string ${c}${value}`);
      tokens.push({ text: value, quoted: true });
      i += 1;
    } else {
      const start = i;
      while (i < input.length && !/[\s()]/.test(input[i] as string)) i += 1;
      tokens.push({ text: input.slice(start, i), quoted: false });
    }
  }
  return tokens;
}

/** Parses a `_queryFilter` value; throws `QueryFilterError` naming the problem. */
export function parseQueryFilter(input: string): QueryFilter {
  const tokens = tokenize(input);
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (token: Token | undefined, word: string) =>
    token !== undefined && !token.quoted && token.text.toLowerCase() === word;
  const describe = (token: Token | undefined) =>
    token === undefined ? 'the end of the filter' : token.quoted ? `"${token.text}"` : `'${token.text}'`;
  const unexpected = (token: Token | undefined, expected: string): never => {
    throw new QueryFilterError(`Expected ${expected} but found ${describe(token)}`);
  };
  const checkDepth = (depth: number) => {
    if (depth > MAX_DEPTH) throw new QueryFilterError(`More than ${MAX_DEPTH} nested expressions`);
  };

  const orExpr = (depth: number): QueryFilter => {
    checkDepth(depth);
    const filters = [andExpr(depth + 1)];
    while (isWord(peek(), 'or')) {
      position += 1;
      filters.push(andExpr(depth + 1));
    }
    return filters.length === 1 ? (filters[0] as QueryFilter) : { kind: 'or', filters };
  };
  const andExpr = (depth: number): QueryFilter => {
    checkDepth(depth);
    const filters = [notExpr(depth + 1)];
    while (isWord(peek(), 'and')) {
      position += 1;
      filters.push(notExpr(depth + 1));
    }
    return filters.length === 1 ? (filters[0] as QueryFilter) : { kind: 'and', filters };
  };
  const notExpr = (depth: number): QueryFilter => {
    checkDepth(depth);
    const token = peek();
    const next = tokens[position + 1];
    // `not` is a field name when an operator follows it (`not pr`).
    const isNot = isWord(token, '!') || (isWord(token, 'not') && !isOperatorToken(next));
    if (!isNot) return primary(depth + 1);
    position += 1;
    return { kind: 'not', filter: notExpr(depth + 1) };
  };
  const primary = (depth: number): QueryFilter => {
    checkDepth(depth);
    const token = tokens[position++];
    if (token === undefined || token.quoted || token.text === ')') {
      return unexpected(token, 'an expression');
    }
    if (token.text === '(') {
      const inner = orExpr(depth + 1);
      const close = tokens[position++];
      if (close === undefined || close.quoted || close.text !== ')') return unexpected(close, "')'");
      return inner;
    }
    if (isWord(token, 'true') || isWord(token, 'false')) {
      return { kind: 'literal', value: token.text.toLowerCase() === 'true' };
    }
    const pointer = parsePointer(token.text);
    const operatorToken = tokens[position++];
    if (operatorToken === undefined || operatorToken.quoted || /[()]/.test(operatorToken.text)) {
      return unexpected(operatorToken, `an operator after '${token.text}'`);
    }
    const operator = operatorToken.text.toLowerCase();
    if (operator === 'pr') return { kind: 'present', pointer };
    if (!OPERATORS.has(operator)) {
      throw new QueryFilterError(
        /^[A-Za-z0-9_.]+$/.test(operatorToken.text)
          ? `Unsupported filter operator '${operatorToken.text}'`
          : `'${operatorToken.text}' is not a valid filter operator`,
      );
    }
    const value = assertionValue(tokens[position++], operator);
    return { kind: 'comparison', pointer, operator: operator as ComparisonOperator, value };
  };
  const assertionValue = (token: Token | undefined, operator: string): FilterValue => {
    if (token === undefined) return unexpected(token, `a value after '${operator}'`);
    if (token.quoted) return token.text;
    const lower = token.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(token.text)) return Number(token.text);
    return unexpected(token, `a quoted string, a number, true or false after '${operator}'`);
  };

  const filter = orExpr(0);
  if (position < tokens.length) unexpected(tokens[position], "'and', 'or' or the end of the filter");
  return filter;
}

function isOperatorToken(token: Token | undefined): boolean {
  if (token === undefined || token.quoted) return false;
  const word = token.text.toLowerCase();
  return word === 'pr' || OPERATORS.has(word);
}

export interface MatchOptions {
  /**
   * Directory semantics, as in AM's LDAP identity store: field names and strings compare
   * case-insensitively. Off by default (plain CREST JSON semantics).
   */
  ignoreCase?: boolean;
}

/** The value a pointer names in a JSON value, or `undefined`. */
export function resolvePointer(value: unknown, pointer: Pointer, options: MatchOptions = {}): unknown {
  let current = value;
  for (const token of pointer) {
    if (Array.isArray(current)) {
      current = /^(0|[1-9]\d*)$/.test(token) ? current[Number(token)] : undefined;
    } else if (typeof current === 'object' && current !== null) {
      const record = current as Record<string, unknown>;
      if (Object.hasOwn(record, token)) current = record[token];
      else if (options.ignoreCase) {
        const key = Object.keys(record).find((k) => k.toLowerCase() === token.toLowerCase());
        current = key === undefined ? undefined : record[key];
      } else current = undefined;
    } else {
      return undefined;
    }
  }
  return current;
}

/** Whether a resource matches a filter. On an array field, any element may match. */
export function matchesFilter(filter: QueryFilter, resource: unknown, options: MatchOptions = {}): boolean {
  switch (filter.kind) {
    case 'literal':
      return filter.value;
    case 'and':
      return filter.filters.every((f) => matchesFilter(f, resource, options));
    case 'or':
      return filter.filters.some((f) => matchesFilter(f, resource, options));
    case 'not':
      return !matchesFilter(filter.filter, resource, options);
    case 'present': {
      const found = resolvePointer(resource, filter.pointer, options);
      return found !== undefined && found !== null && !(Array.isArray(found) && found.length === 0);
    }
    case 'comparison': {
      const found = resolvePointer(resource, filter.pointer, options);
      const values = Array.isArray(found) ? found : [found];
      return values.some((v) => compareOne(filter.operator, v, filter.value, options.ignoreCase === true));
    }
  }
}

function compareOne(
  operator: ComparisonOperator,
  actual: unknown,
  asserted: FilterValue,
  ignoreCase: boolean,
): boolean {
  if (operator === 'co' || operator === 'sw') {
    if (typeof actual !== 'string') return false;
    const haystack = ignoreCase ? actual.toLowerCase() : actual;
    const needle = ignoreCase ? String(asserted).toLowerCase() : String(asserted);
    return operator === 'co' ? haystack.includes(needle) : haystack.startsWith(needle);
  }
  const order = ordering(actual, asserted, ignoreCase);
  if (order === undefined) return false;
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

/** Negative, zero or positive as `actual` sorts before, with or after `asserted`; `undefined` if incomparable. */
function ordering(actual: unknown, asserted: FilterValue, ignoreCase: boolean): number | undefined {
  if (typeof actual === 'number' && typeof asserted === 'number') return Math.sign(actual - asserted);
  if (typeof actual === 'boolean' && typeof asserted === 'boolean') return Number(actual) - Number(asserted);
  if (typeof actual === 'string' && typeof asserted === 'string') {
    const a = ignoreCase ? actual.toLowerCase() : actual;
    const b = ignoreCase ? asserted.toLowerCase() : asserted;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  // Directory values are strings: compare them with a number or a boolean by their text.
  if (typeof actual === 'string' && typeof asserted === 'number') {
    const n = actual.trim() === '' ? Number.NaN : Number(actual);
    return Number.isNaN(n) ? undefined : Math.sign(n - asserted);
  }
  if (typeof actual === 'string' && typeof asserted === 'boolean') {
    const lower = actual.toLowerCase();
    if (lower !== 'true' && lower !== 'false') return undefined;
    return Number(lower === 'true') - Number(asserted);
  }
  return undefined;
}
