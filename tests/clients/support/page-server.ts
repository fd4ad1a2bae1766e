import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { ROOT } from './anvil.js';

/**
 * The browser test's page, on its own loopback origin: a tiny node:http static server for
 * tests/clients/browser/ and, under /modules/, the ES modules the ForgeRock JavaScript SDK ships
 * (dist/*.js) and the browser builds of its dependencies, resolved in the page by an import map.
 * Nothing is bundled or rewritten: the browser loads the SDK's own files.
 */

const PAGE_DIR = join(ROOT, 'tests', 'clients', 'browser');
const NODE_MODULES = join(ROOT, 'node_modules');
const SDK = '@forgerock/javascript-sdk';

/** Bare specifier → [package, file inside it]: the SDK and what its dist imports, transitively. */
const MODULES: Record<string, [string, string]> = {
  [SDK]: [SDK, 'dist/index.js'],
  '@reduxjs/toolkit': ['@reduxjs/toolkit', 'dist/redux-toolkit.browser.mjs'],
  '@reduxjs/toolkit/query': ['@reduxjs/toolkit', 'dist/query/rtk-query.browser.mjs'],
  redux: ['redux', 'dist/redux.browser.mjs'],
  immer: ['immer', 'dist/immer.production.mjs'],
  reselect: ['reselect', 'dist/reselect.browser.mjs'],
  'redux-thunk': ['redux-thunk', 'dist/redux-thunk.mjs'],
  '@standard-schema/utils': ['@standard-schema/utils', 'dist/index.js'],
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** Where npm put a package: next to the SDK first, else hoisted. */
function packageDir(name: string): string {
  for (const base of [join(NODE_MODULES, SDK, 'node_modules'), NODE_MODULES]) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed (needed by ${SDK} in the browser)`);
}

export interface PageServer {
  origin: string;
  sdkVersion: string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const packages = new Map<string, string>();
  const imports: Record<string, string> = {};
  for (const [specifier, [name, file]] of Object.entries(MODULES)) {
    const dir = packageDir(name);
    if (!existsSync(join(dir, file))) throw new Error(`${name} no longer ships ${file}`);
    packages.set(name, dir);
    imports[specifier] = `/modules/${name}/${file}`;
  }
  const sdkVersion = (
    JSON.parse(readFileSync(join(packageDir(SDK), 'package.json'), 'utf8')) as { version: string }
  ).version;
  const page = readFileSync(join(PAGE_DIR, 'index.html'), 'utf8')
    .replace('"__IMPORT_MAP__"', JSON.stringify({ imports }, null, 2))
    .replace('__SDK_VERSION__', sdkVersion);

  /** A file under one of the mapped packages (or the page's folder), never outside them. */
  function fileFor(path: string): string | undefined {
    if (path === '/' || path === '/index.html') return undefined;
    if (path === '/app.js') return join(PAGE_DIR, 'app.js');
    const match = /^\/modules\/((?:@[^/]+\/)?[^/]+)\/(.+)$/.exec(path);
    const dir = match ? packages.get(match[1] as string) : undefined;
    if (!match || !dir) return undefined;
    const file = normalize(join(dir, match[2] as string));
    return file.startsWith(dir + sep) && existsSync(file) ? file : undefined;
  }

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://page').pathname);
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
      res.end(page);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    const file = fileFor(path);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    sdkVersion,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
