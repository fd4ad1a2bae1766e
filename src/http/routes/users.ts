import { fail } from '../../domain/errors.js';
import type { JsonRequest, Services } from '../context.js';

export async function handleUsers(_services: Services, request: JsonRequest) {
  return fail('ResourceNotFound', `Resource '${['users', ...request.path].join('/')}' not found`);
}
