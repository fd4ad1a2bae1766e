import type { ActionTable } from './action-types.js';

/** The 1.x timer actions (`isActive`, `getIdle`, `getMaxIdle`, `getMaxSessionTime`, `getTimeLeft`, `getMaxTime`). */
export const legacyActions: ActionTable = {};
