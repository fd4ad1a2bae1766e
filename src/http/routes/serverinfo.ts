import { fail } from '../../domain/errors.js';
import type { JsonRequest, Services } from '../context.js';
import { atLeast, type Version } from '../crest/api-version.js';
import { parseFields, revisionOf, selectFields } from '../crest/fields.js';
import { routeVersion } from '../crest/operation.js';
import { sendJson } from '../crest/reply.js';
import { single } from '../crest/request.js';

const SERVERINFO_ROUTES: readonly Version[] = [{ major: 1, minor: 1 }];

/** The AM release whose REST API Anvil answers like, as `serverinfo/version` reports it. */
export const AM_VERSION = '7.5.0';
export const ANVIL_VERSION = '0.1.0';

/**
 * `/json/serverinfo/*`, `/serverinfo/cookieDomains` (anonymous reads) and `/serverinfo/version`
 * (needs a session). Everything else: 401 without a session, else 501.
 */
export async function handleServerInfo(services: Services, request: JsonRequest) {
  const id = request.path.join('/');
  const fields = parseFields(single(request.query, '_fields'));
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  const caller = await services.sessions.resolve(request.callerToken);
  if (!isRead || id === '') {
    if (!caller) fail('AccessDenied');
    return fail('OperationNotSupported');
  }
  if (id === 'version' && !caller) fail('Forbidden', 'No session for request.');

  const { protocol } = routeVersion(request, SERVERINFO_ROUTES);

  const content = contentOf(services, request, id);
  const shown = selectFields(content, fields);
  if (!atLeast(protocol, 2)) return sendJson(request.reply, 200, shown);
  const rev = revisionOf(content);
  return sendJson(request.reply, 200, { _id: id, _rev: rev, ...shown }, { etag: `"${rev}"` });
}

function contentOf(services: Services, request: JsonRequest, id: string): Record<string, unknown> {
  const { cookie } = services.config;
  switch (id) {
    case '*':
      return {
        domains: [...cookie.domains],
        protectedUserAttributes: ['telephoneNumber', 'mail'],
        cookieName: cookie.name,
        secureCookie: cookie.secure,
        cookieHttpOnly: cookie.httpOnly,
        cookieSameSite: cookie.sameSite === 'off' ? null : cookie.sameSite,
        forgotPassword: 'false',
        forgotUsername: 'false',
        kbaEnabled: 'false',
        selfRegistration: 'false',
        lang: languageOf(request.raw.headers['accept-language']),
        successfulUserRegistrationDestination: 'default',
        socialImplementations: [],
        referralsEnabled: 'false',
        zeroPageLogin: { enabled: true, refererWhitelist: [], allowedWithoutReferer: true },
        realm: request.realm.path,
        xuiUserSessionValidationEnabled: true,
        fileBasedConfiguration: true,
        userIdAttributes: [],
        nodeDesignerXuiEnabled: false,
      };
    case 'cookieDomains':
      return { domains: [...cookie.domains] };
    case 'version':
      return {
        version: AM_VERSION,
        fullVersion: `ForgeRock Access Management ${AM_VERSION} Build anvil-${ANVIL_VERSION} (Anvil ${ANVIL_VERSION})`,
        revision: `anvil-${ANVIL_VERSION}`,
        date: '2026-November-26 00:00',
      };
    default:
      return fail('OperationNotSupported', `ResourceId not supported: ${id}`);
  }
}

/** `language[-COUNTRY]` of the first `Accept-Language` entry; `en-US` when none. */
function languageOf(header: string | undefined): string {
  const first = header?.split(',')[0]?.split(';')[0]?.trim();
  return first && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})?$/.test(first) ? first : 'en-US';
}
