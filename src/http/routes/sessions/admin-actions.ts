import type { ActionTable } from './action-types.js';

/** Ending sessions by handle and by user. */
export const adminActions: ActionTable = {};
