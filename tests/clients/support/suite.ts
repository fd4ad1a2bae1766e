import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './anvil.js';

/**
 * The client suites run only under `npm run test:clients` (vitest.clients.config.ts sets
 * ANVIL_CLIENTS_SUITE=1): the main config's `tests/**\/*.test.ts` also matches these files, and
 * there they are skipped rather than starting servers and a browser inside `npm test`.
 */
export const clientsSuite = process.env.ANVIL_CLIENTS_SUITE === '1';
export const SKIPPED_NOTE = '(run by npm run test:clients)';

/** shared/ of the project, beside the repository (CI lays a copy there too). */
export const SHARED = process.env.ANVIL_SHARED_DIR ?? join(ROOT, '..', 'shared');

/** Where the browser test keeps its screenshot (gitignored but for .gitkeep). */
export function artifactsDir(): string {
  const dir = join(ROOT, 'tests', 'clients', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const randomHex = (bytes = 8) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
