import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Config, ConfigSchema } from './schema.js';
import { defaults, type SchemaNode as KitNode, errors as schemaErrors } from './schema-kit.js';

/** A configuration that cannot be used: boot stops with this message, which names the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  default?: unknown;
  description?: string;
}

export interface Setting {
  path: string;
  env: string;
  node: SchemaNode;
}

/** Every leaf setting with its dotted path and environment variable name. */
export function listSettings(): Setting[] {
  const out: Setting[] = [];
  const walk = (node: SchemaNode, path: string[]) => {
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) walk(child, [...path, key]);
      return;
    }
    out.push({ path: path.join('.'), env: envName(path), node });
  };
  walk(ConfigSchema as unknown as SchemaNode, []);
  return out;
}

function envName(path: string[]): string {
  return `ANVIL_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

export interface LoadOptions {
  /** A JSON or YAML file (`--config`). */
  file?: string | undefined;
  /** Usually `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Highest precedence, e.g. `--port`. Dotted paths. */
  overrides?: Record<string, unknown>;
}

/** Defaults ← file ← environment ← overrides; validated, then frozen. */
export function loadConfig(options: LoadOptions = {}): Readonly<Config> {
  const raw: Record<string, unknown> = options.file ? readConfigFile(options.file) : {};
  const settings = listSettings();
  const env = options.env ?? {};
  const sources = new Map<string, string>();
  for (const setting of settings) {
    const value = env[setting.env] ?? (setting.path === 'port' ? env.PORT : undefined);
    if (value === undefined || value === '') continue;
    setPath(raw, setting.path, fromEnv(setting, value));
    sources.set(setting.path, setting.path === 'port' && !env[setting.env] ? 'PORT' : setting.env);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path, value);
  }
  const withDefaults = defaults(ConfigSchema as KitNode, structuredClone(raw));
  const found = schemaErrors(ConfigSchema as KitNode, withDefaults);
  // An unknown setting is the likeliest mistake (a typo): name it first.
  const first = found.find((e) => e.unknown !== undefined) ?? found[0];
  if (first) {
    const path = pointerToPath(first.path);
    if (first.unknown !== undefined) {
      throw new ConfigError(
        `Invalid configuration: unknown setting ${path ? `${path}.` : ''}${first.unknown}`,
      );
    }
    const from = sources.get(path) ? ` (from ${sources.get(path)})` : '';
    throw new ConfigError(`Invalid configuration: ${path || '<root>'}${from} ${first.message}`);
  }
  const config = withDefaults as Config;
  crossCheck(config);
  return deepFreeze(config);
}

/** Settings that are valid alone but not together. */
function crossCheck(config: Config): void {
  const needsPostgres = config.sessionStore === 'postgres' || config.identityStore === 'postgres';
  if (needsPostgres && config.databaseUrl === undefined) {
    throw new ConfigError(
      'Invalid configuration: databaseUrl (ANVIL_DATABASE_URL) is required by the postgres store',
    );
  }
  const { sentinels, sentinelName, cluster } = config.redis;
  if (sentinels.length > 0 && sentinelName === undefined) {
    throw new ConfigError('Invalid configuration: redis.sentinelName is required with redis.sentinels');
  }
  if (
    config.sessionStore === 'redis' &&
    config.redisUrl === undefined &&
    sentinels.length === 0 &&
    cluster.length === 0
  ) {
    throw new ConfigError(
      'Invalid configuration: redisUrl (ANVIL_REDIS_URL), redis.sentinels or redis.cluster is required by the redis store',
    );
  }
}

/** YAML is parsed only when a YAML file is given: the parser is not loaded otherwise. */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse(source: string): unknown };
  return yaml.parse(text);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read configuration file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      `Configuration file ${file} is not valid JSON or YAML: ${(error as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`Configuration file ${file} must hold an object of settings`);
  }
  return parsed as Record<string, unknown>;
}

function fromEnv(setting: Setting, value: string): unknown {
  const { node, env } = setting;
  const type = node.type ?? (node.anyOf ? 'string' : undefined);
  if (type === 'integer' || type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) {
      throw new ConfigError(`Invalid configuration: ${setting.path} (from ${env}) must be a number`);
    }
    return n;
  }
  if (type === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(value)) return true;
    if (/^(false|0|no|off)$/i.test(value)) return false;
    throw new ConfigError(`Invalid configuration: ${setting.path} (from ${env}) must be true or false`);
  }
  if (type === 'array') {
    if (value.trim().startsWith('[')) {
      try {
        return JSON.parse(value);
      } catch {
        throw new ConfigError(`Invalid configuration: ${setting.path} (from ${env}) is not a JSON array`);
      }
    }
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .join('.');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
