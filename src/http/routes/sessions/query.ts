import { fail } from '../../../domain/errors.js';
import type { ActionContext } from './action-types.js';

/** `GET …/sessions?_queryFilter=…` (2.x+) and `?_queryId=…` (1.x). */
export async function runQuery(_context: ActionContext): Promise<unknown> {
  return fail('OperationNotSupported');
}
