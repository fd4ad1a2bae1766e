/** Where things are, and the settings every scenario shares. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH = join(ROOT, 'bench');
export const DIST = join(ROOT, 'dist');
export const CLI = join(DIST, 'cli', 'index.js');
export const RESULTS = join(BENCH, 'results');

export const ADMIN_PASSWORD = 'bench-admin-password';
export const USERNAME = 'bench';
export const USER_PASSWORD = 'Ch4ng31t!bench';
export const ARGON2 = { memoryKib: 19_456, iterations: 2 };
export const SESSION_CONNECTIONS = 100;
export const LOGIN_CONNECTIONS = 16;
export const PACED_CONNECTIONS = 32;
/** Seconds of paced load each side gets before latency at a fixed rate is measured. */
export const PACED_WARMUP_S = 2;
export const ALPHA = '/am/json/realms/root/realms/alpha';
export const CLK_TCK = 100;
