import type { ActionTable } from './action-types.js';
import { adminActions } from './admin-actions.js';
import { coreActions } from './core-actions.js';
import { legacyActions } from './legacy-actions.js';
import { propertyActions } from './property-actions.js';

export type { ActionContext, ActionSpec, Permission } from './action-types.js';

/** Every `/sessions` action, by lower-case name: AM matches action names case-insensitively. */
export const sessionActions: ActionTable = {
  ...coreActions,
  ...propertyActions,
  ...legacyActions,
  ...adminActions,
};
