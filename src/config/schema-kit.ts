/**
 * A small JSON-Schema builder for the configuration, in the style of TypeBox: each builder returns
 * a plain JSON-Schema object that also carries its TypeScript type (`Static<typeof schema>`), and
 * `defaults`/`errors` apply and check it. It exists so that starting Anvil does not load a schema
 * library (TypeBox cost about half a second of start-up); it knows only what the configuration uses.
 */
interface Base {
  description?: string;
  default?: unknown;
  /** Phantom: the TypeScript type of a valid value. */
  readonly $static?: unknown;
  /** Set by `Optional`: the property may be absent. */
  readonly $optional?: true;
}

export interface TInteger extends Base {
  type: 'integer';
  minimum?: number;
  maximum?: number;
  readonly $static?: number;
}
export interface TString extends Base {
  type: 'string';
  minLength?: number;
  pattern?: string;
  readonly $static?: string;
}
export interface TBoolean extends Base {
  type: 'boolean';
  readonly $static?: boolean;
}
export interface TLiteral<V extends string> extends Base {
  const: V;
  readonly $static?: V;
}
export interface TUnion<V extends string> extends Base {
  anyOf: TLiteral<V>[];
  readonly $static?: V;
}
export interface TArray<T extends TSchema> extends Base {
  type: 'array';
  items: T;
  readonly $static?: Static<T>[];
}
export interface TRecord<T extends TSchema> extends Base {
  type: 'object';
  additionalProperties: T;
  readonly $static?: Record<string, Static<T>>;
}
export interface TObject<P extends Record<string, TSchema>> extends Base {
  type: 'object';
  properties: P;
  required: string[];
  additionalProperties: boolean;
  readonly $static?: ObjectStatic<P>;
}

/** Any schema built here (the generic constraint). */
export type TSchema = Base;

/** The runtime view of a schema node, as `defaults` and `errors` walk it. */
export interface SchemaNode extends Base {
  type?: 'integer' | 'string' | 'boolean' | 'array' | 'object';
  const?: string;
  anyOf?: { const: string }[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
}

export type Static<T> = T extends { readonly $static?: infer S } ? S : never;

type OptionalKeys<P> = {
  [K in keyof P]: P[K] extends { readonly $optional: true } ? K : never;
}[keyof P];
type ObjectStatic<P extends Record<string, TSchema>> = {
  [K in Exclude<keyof P, OptionalKeys<P>>]: Static<P[K]>;
} & { [K in OptionalKeys<P>]?: Static<P[K]> };

type Options<T> = Omit<
  Partial<T>,
  'type' | '$static' | '$optional' | 'properties' | 'items' | 'anyOf' | 'const'
>;

export const Type = {
  Integer: (options: Options<TInteger> = {}): TInteger => ({ type: 'integer', ...options }),
  String: (options: Options<TString> = {}): TString => ({ type: 'string', ...options }),
  Boolean: (options: Options<TBoolean> = {}): TBoolean => ({ type: 'boolean', ...options }),
  Literal: <V extends string>(value: V): TLiteral<V> => ({ const: value }),
  Union: <V extends string>(members: TLiteral<V>[], options: Options<TUnion<V>> = {}): TUnion<V> => ({
    anyOf: members,
    ...options,
  }),
  Array: <T extends TSchema>(items: T, options: Options<TArray<T>> = {}): TArray<T> => ({
    type: 'array',
    items,
    ...options,
  }),
  Record: <T extends TSchema>(_key: TString, value: T, options: Options<TRecord<T>> = {}): TRecord<T> => ({
    type: 'object',
    ...options,
    additionalProperties: value,
  }),
  Object: <P extends Record<string, TSchema>>(
    properties: P,
    options: Options<TObject<P>> & { additionalProperties?: boolean } = {},
  ): TObject<P> => ({
    type: 'object',
    properties,
    required: Object.keys(properties).filter((k) => !(properties[k] as Base).$optional),
    additionalProperties: true,
    ...options,
  }),
  Optional: <T extends TSchema>(schema: T): T & { readonly $optional: true } => ({
    ...schema,
    $optional: true,
  }),
};

/** A copy of `value` with every absent property that has a default filled in, recursively. */
export function defaults(schema: SchemaNode, value: unknown): unknown {
  let current = value === undefined && 'default' in schema ? structuredClone(schema.default) : value;
  if (schema.properties && isPlainObject(current)) {
    const filled: Record<string, unknown> = { ...current };
    for (const [key, child] of Object.entries(schema.properties)) {
      const next = defaults(child, filled[key]);
      if (next !== undefined) filled[key] = next;
    }
    current = filled;
  } else if (schema.items && Array.isArray(current)) {
    const items = schema.items;
    current = current.map((item) => defaults(items, item));
  } else if (typeof schema.additionalProperties === 'object' && isPlainObject(current)) {
    const child = schema.additionalProperties;
    current = Object.fromEntries(Object.entries(current).map(([k, v]) => [k, defaults(child, v)]));
  }
  return current;
}

export interface SchemaError {
  /** JSON pointer of the offending value, e.g. `/cookie/name`. */
  path: string;
  message: string;
  /** For an unknown property: its name. */
  unknown?: string;
}

/** Every way `value` breaks `schema`; empty when it is valid. */
export function errors(schema: SchemaNode, value: unknown, path = ''): SchemaError[] {
  if (schema.const !== undefined) {
    return value === schema.const ? [] : [{ path, message: `must be ${JSON.stringify(schema.const)}` }];
  }
  if (schema.anyOf) {
    const allowed = schema.anyOf.map((l) => l.const);
    return allowed.includes(value as string)
      ? []
      : [{ path, message: `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` }];
  }
  switch (schema.type) {
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value))
        return [{ path, message: 'must be an integer' }];
      if (schema.minimum !== undefined && value < schema.minimum) {
        return [{ path, message: `must be >= ${schema.minimum}` }];
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        return [{ path, message: `must be <= ${schema.maximum}` }];
      }
      return [];
    }
    case 'string': {
      if (typeof value !== 'string') return [{ path, message: 'must be a string' }];
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        return [{ path, message: `must have at least ${schema.minLength} characters` }];
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
        return [{ path, message: `must match ${schema.pattern}` }];
      }
      return [];
    }
    case 'boolean':
      return typeof value === 'boolean' ? [] : [{ path, message: 'must be true or false' }];
    case 'array': {
      const items = schema.items as SchemaNode;
      return Array.isArray(value)
        ? value.flatMap((item, i) => errors(items, item, `${path}/${i}`))
        : [{ path, message: 'must be an array' }];
    }
    case 'object':
      return objectErrors(schema, value, path);
    default:
      return [];
  }
}

function objectErrors(schema: SchemaNode, value: unknown, path: string): SchemaError[] {
  if (!isPlainObject(value)) return [{ path, message: 'must be an object' }];
  const extra = schema.additionalProperties;
  if (!schema.properties) {
    const child = typeof extra === 'object' ? extra : undefined;
    return child ? Object.entries(value).flatMap(([k, v]) => errors(child, v, `${path}/${k}`)) : [];
  }
  const found: SchemaError[] = [];
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) found.push({ path: `${path}/${key}`, message: 'is required' });
  }
  for (const [key, v] of Object.entries(value)) {
    const child = schema.properties[key];
    if (child) {
      if (v !== undefined) found.push(...errors(child, v, `${path}/${key}`));
    } else if (extra === false) {
      found.push({ path, message: `has an unknown setting ${key}`, unknown: key });
    }
  }
  return found;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
