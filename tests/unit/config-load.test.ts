import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, listSettings, loadConfig } from '../../src/config/load.js';

let dir: string;
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'anvil-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it('gives every documented default without any source', () => {
      const config = loadConfig();
      expect(config).toMatchObject({
        mode: 'development',
        host: '127.0.0.1',
        port: 8080,
        deploymentPath: '/am',
        dataDir: './data',
        bodyLimit: 102_400,
        serverId: '01',
        log: { level: 'info' },
        cookie: { name: 'iPlanetDirectoryPro', domains: [], secure: false, httpOnly: true, sameSite: 'Lax' },
        session: {
          maxIdleMinutes: 30,
          maxSessionMinutes: 120,
          latestAccessTimeUpdateFrequencySeconds: 60,
          allowlist: [],
          queryProperties: ['AMCtxId'],
          sweepIntervalSeconds: 60,
        },
        realms: [{ path: '/alpha' }, { path: '/bravo' }],
        admin: {},
        authn: { successUrl: '/am/console', journeyMaxMinutes: 5, argon2Iterations: 2 },
        timeTravel: { enabled: false },
        csrf: { enabled: true },
        shutdownTimeoutSeconds: 10,
      });
      expect(config.authn.journeySecret).toBeUndefined();
      expect(config.admin.password).toBeUndefined();
    });

    it('does not read process.env unless given it', () => {
      const saved = process.env.ANVIL_COOKIE_NAME;
      process.env.ANVIL_COOKIE_NAME = 'FromProcess';
      try {
        expect(loadConfig().cookie.name).toBe('iPlanetDirectoryPro');
        expect(loadConfig({ env: process.env }).cookie.name).toBe('FromProcess');
      } finally {
        if (saved === undefined) delete process.env.ANVIL_COOKIE_NAME;
        else process.env.ANVIL_COOKIE_NAME = saved;
      }
    });
  });

  describe('environment', () => {
    it('reads ANVIL_COOKIE_NAME', () => {
      expect(loadConfig({ env: { ANVIL_COOKIE_NAME: 'session' } }).cookie.name).toBe('session');
    });

    it('reads PORT, and ANVIL_PORT over PORT', () => {
      expect(loadConfig({ env: { PORT: '9090' } }).port).toBe(9090);
      expect(loadConfig({ env: { ANVIL_PORT: '7070', PORT: '9090' } }).port).toBe(7070);
    });

    it('ignores empty values', () => {
      expect(loadConfig({ env: { ANVIL_PORT: '', ANVIL_COOKIE_NAME: '' } })).toMatchObject({
        port: 8080,
        cookie: { name: 'iPlanetDirectoryPro' },
      });
    });

    it('converts numbers, booleans and arrays', () => {
      const config = loadConfig({
        env: {
          ANVIL_SESSION_MAX_IDLE_MINUTES: '15',
          ANVIL_COOKIE_SECURE: 'yes',
          ANVIL_CSRF_ENABLED: 'off',
          ANVIL_COOKIE_DOMAINS: 'a.example.com, b.example.com',
          ANVIL_SESSION_ALLOWLIST: '["x","y"]',
          ANVIL_REALMS: '[{"path":"/one"}]',
        },
      });
      expect(config.session.maxIdleMinutes).toBe(15);
      expect(config.cookie.secure).toBe(true);
      expect(config.csrf.enabled).toBe(false);
      expect(config.cookie.domains).toEqual(['a.example.com', 'b.example.com']);
      expect(config.session.allowlist).toEqual(['x', 'y']);
      expect(config.realms).toEqual([{ path: '/one' }]);
    });

    it('names the key and the variable of a bad value', () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ ANVIL_PORT: 'abc' }, /port \(from ANVIL_PORT\)/],
        [{ PORT: '70000' }, /port \(from PORT\)/],
        [{ ANVIL_PORT: '-1' }, /port \(from ANVIL_PORT\)/],
        [{ ANVIL_COOKIE_NAME: 'bad name' }, /cookie\.name \(from ANVIL_COOKIE_NAME\)/],
        [{ ANVIL_COOKIE_SECURE: 'maybe' }, /cookie\.secure \(from ANVIL_COOKIE_SECURE\)/],
        [
          { ANVIL_SESSION_MAX_IDLE_MINUTES: '0' },
          /session\.maxIdleMinutes \(from ANVIL_SESSION_MAX_IDLE_MINUTES\)/,
        ],
        [{ ANVIL_REALMS: '[not json' }, /realms \(from ANVIL_REALMS\)/],
        [{ ANVIL_MODE: 'staging' }, /mode \(from ANVIL_MODE\)/],
      ];
      for (const [env, message] of cases) {
        const error = configError(() => loadConfig({ env }));
        expect(error.message, JSON.stringify(env)).toMatch(message);
        expect(error.message).toMatch(/^Invalid configuration: /);
      }
    });
  });

  describe('files', () => {
    it('reads YAML', () => {
      const path = file(
        'anvil.yaml',
        'port: 9000\ncookie:\n  name: amSession\nrealms:\n  - path: /alpha\n    aliases: [a]\n  - path: /alpha/inner\n',
      );
      const config = loadConfig({ file: path });
      expect(config.port).toBe(9000);
      expect(config.cookie.name).toBe('amSession');
      expect(config.cookie.httpOnly).toBe(true);
      expect(config.realms).toEqual([{ path: '/alpha', aliases: ['a'] }, { path: '/alpha/inner' }]);
    });

    it('reads JSON', () => {
      const path = file('anvil.json', JSON.stringify({ port: 9001, session: { maxIdleMinutes: 5 } }));
      const config = loadConfig({ file: path });
      expect(config.port).toBe(9001);
      expect(config.session.maxIdleMinutes).toBe(5);
      expect(config.session.maxSessionMinutes).toBe(120);
    });

    it('treats an empty file as no settings', () => {
      expect(loadConfig({ file: file('empty.yaml', '') }).port).toBe(8080);
    });

    it('applies defaults < file < environment < overrides', () => {
      const path = file('layers.yaml', 'port: 9000\nhost: 0.0.0.0\ncookie:\n  name: fromFile\n');
      const config = loadConfig({
        file: path,
        env: { ANVIL_PORT: '9100', ANVIL_COOKIE_NAME: 'fromEnv' },
        overrides: { port: 9200, 'session.maxIdleMinutes': 7, host: undefined },
      });
      expect(config.port).toBe(9200);
      expect(config.cookie.name).toBe('fromEnv');
      expect(config.host).toBe('0.0.0.0');
      expect(config.session.maxIdleMinutes).toBe(7);
    });

    it('rejects an unknown key in a file, naming it', () => {
      const error = configError(() =>
        loadConfig({ file: file('unknown.yaml', 'port: 9000\ncolour: red\n') }),
      );
      expect(error.message).toContain('colour');
    });

    it('rejects an unknown nested key in a file, naming its path', () => {
      const error = configError(() =>
        loadConfig({ file: file('nested.json', JSON.stringify({ cookie: { nmae: 'x' } })) }),
      );
      expect(error.message).toContain('cookie.nmae');
    });

    it('says that an unknown key is an unknown setting', () => {
      // load.ts builds "(unknown setting <key>)" for this case; the message must say what is wrong.
      const error = configError(() => loadConfig({ file: file('unknown2.yaml', 'colour: red\n') }));
      expect(error.message).toMatch(/unknown setting/i);
    });

    it('names the key of a bad value in a file', () => {
      const error = configError(() => loadConfig({ file: file('bad.json', JSON.stringify({ port: 'x' })) }));
      expect(error.message).toMatch(/^Invalid configuration: port /);
      const nested = configError(() =>
        loadConfig({ file: file('bad.yaml', 'session:\n  maxIdleMinutes: 0\n') }),
      );
      expect(nested.message).toContain('session.maxIdleMinutes');
    });

    it('refuses a missing file, a syntax error, and a file that is not an object', () => {
      expect(configError(() => loadConfig({ file: join(dir, 'missing.yaml') })).message).toMatch(
        /Cannot read/,
      );
      expect(configError(() => loadConfig({ file: file('broken.json', '{"port": ') })).message).toMatch(
        /not valid JSON or YAML/,
      );
      expect(configError(() => loadConfig({ file: file('list.yaml', '- a\n- b\n') })).message).toMatch(
        /must hold an object/,
      );
    });
  });

  describe('result', () => {
    it('is deeply frozen', () => {
      const config = loadConfig({ env: { ANVIL_REALMS: '[{"path":"/a","aliases":["x"]}]' } });
      expect(Object.isFrozen(config)).toBe(true);
      expect(Object.isFrozen(config.cookie)).toBe(true);
      expect(Object.isFrozen(config.cookie.domains)).toBe(true);
      expect(Object.isFrozen(config.session.queryProperties)).toBe(true);
      expect(Object.isFrozen(config.realms)).toBe(true);
      expect(Object.isFrozen(config.realms[0])).toBe(true);
      expect(Object.isFrozen(config.realms[0]?.aliases)).toBe(true);
      expect(() => {
        (config as { port: number }).port = 1;
      }).toThrow(TypeError);
      expect(() => {
        (config.cookie as { name: string }).name = 'x';
      }).toThrow(TypeError);
      expect(() => (config.session.queryProperties as string[]).push('x')).toThrow(TypeError);
    });

    it('does not share state between loads', () => {
      const a = loadConfig();
      const b = loadConfig({ env: { ANVIL_COOKIE_NAME: 'other' } });
      expect(a.cookie.name).toBe('iPlanetDirectoryPro');
      expect(b.cookie.name).toBe('other');
      expect(loadConfig().realms).toEqual([{ path: '/alpha' }, { path: '/bravo' }]);
    });
  });
});

describe('listSettings', () => {
  it('derives environment names from dotted paths', () => {
    const byPath = new Map(listSettings().map((s) => [s.path, s.env]));
    expect(byPath.get('cookie.name')).toBe('ANVIL_COOKIE_NAME');
    expect(byPath.get('port')).toBe('ANVIL_PORT');
    expect(byPath.get('session.latestAccessTimeUpdateFrequencySeconds')).toBe(
      'ANVIL_SESSION_LATEST_ACCESS_TIME_UPDATE_FREQUENCY_SECONDS',
    );
    expect(byPath.get('realms')).toBe('ANVIL_REALMS');
  });
});
