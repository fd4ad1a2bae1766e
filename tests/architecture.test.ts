import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Layering rules, checked on the source text:
 *
 * - src/core and src/domain hold no framework, database, logging, file or network code, and do
 *   not reach into the outer layers (http, stores, adapters, config, cli, app, server);
 * - src/core does not depend on src/domain;
 * - src/http does not reach the stores (it gets domain services);
 * - only src/core/clock.ts reads wall-clock time;
 * - no source file is longer than 400 lines.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAX_LINES = 400;

/** A source file: its path relative to the repository (posix separators) and its text. */
interface SourceFile {
  path: string;
  text: string;
}

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return listTs(full);
    return /\.(c|m)?tsx?$/.test(entry.name) ? [full] : [];
  });
}

function readSources(): SourceFile[] {
  return listTs(join(ROOT, 'src')).map((full) => ({
    path: relative(ROOT, full).split(sep).join('/'),
    text: readFileSync(full, 'utf8'),
  }));
}

/** Removes block comments and whole-line `//` comments (keeps strings such as 'http://x'). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
function importsOf(text: string): string[] {
  const code = stripComments(text);
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  const found = new Set<string>();
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[1] as string);
  return [...found];
}

/** A relative specifier as a repository path (`src/http/x.ts`); bare specifiers unchanged. */
function resolveSpecifier(fromPath: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const joined = posix.normalize(posix.join(posix.dirname(fromPath), specifier));
  return joined.replace(/\.(m|c)?js$/, '.$1ts');
}

const FORBIDDEN_IN_INNER_PACKAGES = [
  'fastify',
  'better-sqlite3',
  'ioredis',
  'pg',
  'pino',
  'node:fs',
  'node:net',
  'node:http',
];

function isPackage(specifier: string, name: string): boolean {
  const bare = name.startsWith('node:') ? name.slice('node:'.length) : undefined;
  const matches = (n: string) => specifier === n || specifier.startsWith(`${n}/`);
  if (matches(name) || (bare !== undefined && matches(bare))) return true;
  return name === 'fastify' && specifier.startsWith('@fastify/');
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
const isOuterLayer = (path: string) =>
  ['src/http', 'src/stores', 'src/adapters', 'src/config', 'src/cli'].some((d) => under(path, d)) ||
  /^src\/(app|server|cli)(\.(m|c)?ts)?$/.test(path);

/** Every broken rule, as `file: reason` lines. */
function layeringViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const inner = under(file.path, 'src/core') || under(file.path, 'src/domain');
    for (const specifier of importsOf(file.text)) {
      const target = resolveSpecifier(file.path, specifier);
      if (inner) {
        const pkg = FORBIDDEN_IN_INNER_PACKAGES.find((name) => isPackage(specifier, name));
        if (pkg) out.push(`${file.path}: imports ${specifier} (${pkg} is not allowed in core/domain)`);
        if (isOuterLayer(target)) out.push(`${file.path}: imports ${target} (an outer layer)`);
      }
      if (under(file.path, 'src/core') && under(target, 'src/domain')) {
        out.push(`${file.path}: imports ${target} (core must not depend on domain)`);
      }
      if (under(file.path, 'src/http') && under(target, 'src/stores')) {
        out.push(`${file.path}: imports ${target} (http must not reach the stores)`);
      }
    }
  }
  return out;
}

/** Files other than src/core/clock.ts that read wall-clock time. */
function clockViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    if (file.path === 'src/core/clock.ts') continue;
    const code = stripComments(file.text);
    code.split('\n').forEach((line, index) => {
      if (/\bDate\s*\.\s*now\b/.test(line) || /\bnew\s+Date\s*\(\s*\)/.test(line)) {
        out.push(`${file.path}:${index + 1}: ${line.trim()}`);
      }
    });
  }
  return out;
}

function lineCount(text: string): number {
  const lines = text.split(/\r?\n/);
  return lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
}

describe('architecture', () => {
  const files = readSources();

  it('finds the source tree', () => {
    const paths = files.map((f) => f.path);
    expect(paths).toContain('src/core/clock.ts');
    expect(paths).toContain('src/domain/sessions/store.ts');
    expect(paths.filter((p) => under(p, 'src/domain')).length).toBeGreaterThan(5);
    expect(paths.filter((p) => under(p, 'src/http')).length).toBeGreaterThan(5);
  });

  it('keeps core and domain free of frameworks, I/O and outer layers; core apart from domain; http apart from stores', () => {
    expect(layeringViolations(files)).toEqual([]);
  });

  it('reads wall-clock time only in src/core/clock.ts', () => {
    expect(clockViolations(files)).toEqual([]);
  });

  it(`has no source file longer than ${MAX_LINES} lines`, () => {
    const long = files
      .filter((f) => lineCount(f.text) > MAX_LINES)
      .map((f) => `${f.path}: ${lineCount(f.text)}`);
    expect(long).toEqual([]);
  });

  // The checks above only mean something if they can fail: these feed them known violations.
  describe('the checker itself', () => {
    const file = (path: string, text: string): SourceFile => ({ path, text });

    it('extracts static, type-only, side-effect, re-export, dynamic and require imports', () => {
      const text = [
        "import Fastify from 'fastify';",
        "import type { Database } from 'better-sqlite3';",
        'import {',
        '  a,',
        '  b,',
        "} from '../stores/index.js';",
        "import 'node:net';",
        "export * from './x.js';",
        "export { y } from './y.js';",
        "const pg = await import('pg');",
        "const fs = require('fs');",
        "// import nothing from 'ioredis';",
        "/* import x from 'pino'; */",
        "const url = 'http://example.com'; // from 'node:http'",
      ].join('\n');
      expect(importsOf(text).sort()).toEqual(
        [
          '../stores/index.js',
          './x.js',
          './y.js',
          'better-sqlite3',
          'fastify',
          'fs',
          'node:net',
          'pg',
        ].sort(),
      );
    });

    it('resolves relative specifiers to repository paths', () => {
      expect(resolveSpecifier('src/domain/sessions/a.ts', '../../http/context.js')).toBe(
        'src/http/context.ts',
      );
      expect(resolveSpecifier('src/domain/a.ts', '../app.js')).toBe('src/app.ts');
      expect(resolveSpecifier('src/domain/a.ts', 'node:crypto')).toBe('node:crypto');
    });

    it('flags forbidden packages and outer layers in domain and core', () => {
      const bad = [
        file('src/domain/a.ts', "import Fastify from 'fastify';"),
        file('src/domain/b.ts', "import { readFileSync } from 'node:fs';"),
        file('src/domain/c.ts', "import { readFile } from 'fs/promises';"),
        file('src/core/d.ts', "import Redis from 'ioredis';"),
        file('src/core/e.ts', "import pg from 'pg';"),
        file('src/domain/f.ts', "import pino from 'pino';"),
        file('src/domain/g.ts', "import { createServer } from 'node:http';"),
        file('src/domain/h.ts', "import { connect } from 'node:net';"),
        file('src/domain/i.ts', "import Database from 'better-sqlite3';"),
        file('src/domain/x/j.ts', "import { sendError } from '../../http/crest/reply.js';"),
        file('src/domain/k.ts', "import { createStores } from '../stores/index.js';"),
        file('src/domain/l.ts', "import { JoseJourneyCodec } from '../adapters/jose-journey-codec.js';"),
        file('src/domain/m.ts', "import { loadConfig } from '../config/load.js';"),
        file('src/domain/n.ts', "import { buildApp } from '../app.js';"),
        file('src/domain/o.ts', "import { start } from '../server.js';"),
        file('src/domain/p.ts', "import { main } from '../cli/index.js';"),
        file('src/core/q.ts', "import type { Session } from '../domain/sessions/session.js';"),
        file('src/http/r.ts', "import { MemorySessionStore } from '../stores/memory/index.js';"),
      ];
      const violations = layeringViolations(bad);
      for (const { path } of bad)
        expect(
          violations.some((v) => v.startsWith(`${path}:`)),
          path,
        ).toBe(true);
    });

    it('allows what the layers may use', () => {
      const good = [
        file(
          'src/domain/a.ts',
          "import { randomBytes } from 'node:crypto';\nimport { x } from '../core/clock.js';",
        ),
        file('src/domain/b.ts', "import { fastifyLike } from './fastify-free.js';"),
        file('src/http/c.ts', "import Fastify from 'fastify';\nimport { y } from '../domain/errors.js';"),
        file('src/stores/d.ts', "import Database from 'better-sqlite3';"),
        file('src/core/e.ts', "import { z } from './clock.js';"),
        file('src/domain/f.ts', "import { ok } from 'pgp-lite';"),
      ];
      expect(layeringViolations(good)).toEqual([]);
    });

    it('flags Date.now and new Date() outside clock.ts, not new Date(ms) nor comments', () => {
      const files = [
        file('src/core/clock.ts', 'export const now = () => Date.now();'),
        file('src/http/a.ts', 'const t = Date.now();'),
        file('src/domain/b.ts', 'const d = new Date();'),
        file('src/stores/c.ts', 'const d = new Date ( );'),
        file('src/http/d.ts', 'const clock = { now: Date.now };'),
        file('src/http/e.ts', 'const d = new Date(ms);\n// never Date.now()\n/* new Date() */'),
      ];
      expect(clockViolations(files).map((v) => v.split(':')[0])).toEqual([
        'src/http/a.ts',
        'src/domain/b.ts',
        'src/stores/c.ts',
        'src/http/d.ts',
      ]);
    });

    it('counts lines', () => {
      expect(lineCount('a\nb\n')).toBe(2);
      expect(lineCount('a\nb')).toBe(2);
      expect(lineCount(`${'x\n'.repeat(401)}`)).toBeGreaterThan(MAX_LINES);
    });
  });
});
