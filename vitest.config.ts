import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The real-client suites (newman, the SDK, Chromium, curl) run with `npm run test:clients`.
    exclude: [...configDefaults.exclude, 'tests/clients/**'],
    // Password hashing (argon2id) makes login tests CPU-bound; keep workers to the machine's cores.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
