import { isoMillis } from '../../core/clock.js';
import { fail } from '../../domain/errors.js';
import { isSuperUser } from '../../domain/identity/identity.js';
import type { JsonRequest, Services } from '../context.js';
import { sendJson } from '../crest/reply.js';
import { asObject, crestBody, single } from '../crest/request.js';

const MAX_SECONDS = 10 * 366 * 24 * 3600;

/**
 * Anvil extension, off by default: `POST …/json/realms/root/anvil/clock?_action=advance` with
 * `{"seconds": N}` moves the server clock forward by N seconds; `GET …/anvil/clock` reads it.
 * Admin only. When the control is off the resource does not exist (404).
 */
export async function handleAnvil(services: Services, request: JsonRequest) {
  const clock = services.timeTravel;
  if (!clock || request.path.join('/') !== 'clock' || request.realm !== services.realms.root) {
    return fail('ResourceNotFound', `Resource '${['anvil', ...request.path].join('/')}' not found`);
  }
  const body = asObject(crestBody(request.rawBody, request.raw.headers['content-type']));
  const caller = await services.sessions.resolve(request.callerToken);
  if (!caller) fail('AccessDenied');
  if (!isSuperUser(caller.universalId)) fail('Forbidden');
  if (request.method === 'POST') {
    const action = single(request.query, '_action');
    if (action?.toLowerCase() !== 'advance') {
      return fail('ActionNotImplemented', `Action ${action ?? ''} not implemented for this resource`);
    }
    const seconds = body.seconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_SECONDS) {
      return fail(
        'BadRequest',
        `"seconds" must be a number of seconds greater than 0 and at most ${MAX_SECONDS}`,
      );
    }
    clock.advance(Math.round(seconds * 1000));
  } else if (request.method !== 'GET') {
    return fail('MethodNotSupported', `Method ${request.method} not supported`);
  }
  const now = clock.now();
  return sendJson(request.reply, 200, { now: isoMillis(now) });
}
