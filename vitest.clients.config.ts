import { defineConfig } from 'vitest/config';

/**
 * `npm run test:clients`: real clients (newman with the Postman collection, the ForgeRock
 * JavaScript SDK in Node and in headless Chromium, curl) against a real `anvil serve` each.
 * Not part of `npm test`: the files skip themselves unless ANVIL_CLIENTS_SUITE is set here.
 */
export default defineConfig({
  test: {
    include: ['tests/clients/**/*.test.ts'],
    env: { ANVIL_CLIENTS_SUITE: '1' },
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
