/** In-process stores: for unit tests and throwaway runs. Nothing survives a restart. */
export { MemoryIdentityStore } from './identity-store.js';
export { MemoryLockoutStore } from './lockout-store.js';
export { MemoryMetaStore } from './meta-store.js';
export { MemorySessionStore } from './session-store.js';
export { MemoryUsedJourneyStore } from './used-journey-store.js';
