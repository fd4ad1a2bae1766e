import type { AuthOutcome } from '../../domain/authn/authn-service.js';
import type { Callback, CallbackField } from '../../domain/authn/callbacks.js';
import { allowedGoto } from '../../domain/authn/goto.js';
import { fail } from '../../domain/errors.js';
import type { JsonRequest, Services } from '../context.js';
import { sessionCookies } from '../cookies.js';
import { formatVersion, negotiate, type Version } from '../crest/api-version.js';
import { sendJson } from '../crest/reply.js';
import { asObject, isEmptyBody, isJsonContentType, parseJson, singleIgnoringCase } from '../crest/request.js';
import { decodeRfc2047 } from '../rfc2047.js';

/** `/authenticate` serves resource 1.x (`errorMessage` errors) and 2.x (CREST errors). */
const AUTH_ROUTES: readonly Version[] = [
  { major: 1, minor: 2 },
  { major: 2, minor: 1 },
];

const NO_CACHE = { 'cache-control': 'no-cache, no-store, must-revalidate', pragma: 'no-cache', expires: '0' };

/**
 * `POST /json/authenticate`: starts a journey, continues one (`authId` + callbacks), or answers
 * at once from zero-page headers. Not a CREST resource: POST only, no `_action`.
 */
export async function handleAuthenticate(services: Services, request: JsonRequest) {
  const state = request.raw.anvil;
  const served = negotiate(AUTH_ROUTES, request.versions.resource);
  state.authV1 = served?.major === 1;
  if (request.method !== 'POST') fail('MethodNotAllowed');
  if (!served) {
    state.emptyNotFound = true;
    return fail('VersionNotFound');
  }
  state.contentApiVersion = `resource=${formatVersion(served)}`;
  state.warn = request.versions.resource === undefined;

  const body = authBody(request);
  const realm = realmOf(services, request);
  const { headers } = request.raw;
  const username = headerText(headers['x-openam-username']);
  const password = headerText(headers['x-openam-password']);
  const noSession = singleIgnoringCase(request.query, 'noSession') === 'true';
  const { gotoAllowlist } = services.config.authn;

  const outcome = await services.authn.authenticate({
    realm,
    indexType: singleIgnoringCase(request.query, 'authIndexType'),
    indexValue: singleIgnoringCase(request.query, 'authIndexValue'),
    authId: typeof body.authId === 'string' ? body.authId : undefined,
    callbacks: Array.isArray(body.callbacks) ? body.callbacks.map(readCallback) : undefined,
    zeroPage: username && password ? { username, password } : undefined,
    existingToken: request.callerToken,
    upgradeToken: singleIgnoringCase(request.query, 'sessionUpgradeSSOTokenId') || undefined,
    forceAuth: singleIgnoringCase(request.query, 'ForceAuth') === 'true',
    noSession,
    goto: allowedGoto(singleIgnoringCase(request.query, 'goto'), gotoAllowlist),
    gotoOnFail: allowedGoto(singleIgnoringCase(request.query, 'gotoOnFail'), gotoAllowlist),
  });
  return sendOutcome(services, request, outcome);
}

function sendOutcome(services: Services, request: JsonRequest, outcome: AuthOutcome) {
  const { reply } = request;
  if (outcome.kind === 'step') {
    return sendJson(reply, 200, stepBody(outcome), NO_CACHE);
  }
  const successUrl = outcome.goto ?? services.config.authn.successUrl;
  if (outcome.token === undefined) {
    return sendJson(reply, 200, { successUrl, realm: outcome.realm.path }, NO_CACHE);
  }
  reply.header('set-cookie', [
    ...sessionCookies(services.config.cookie, outcome.token),
    `amlbcookie=${services.config.serverId}; Path=/`,
  ]);
  return sendJson(reply, 200, { tokenId: outcome.token, successUrl, realm: outcome.realm.path }, NO_CACHE);
}

/** A step as AM writes it: callbacks numbered `IDToken<n>` (1-based) with `_id` (0-based). */
function stepBody(step: Extract<AuthOutcome, { kind: 'step' }>) {
  return {
    authId: step.authId,
    template: '',
    ...(step.stage === undefined ? {} : { stage: step.stage }),
    ...(step.header === undefined ? {} : { header: step.header }),
    ...(step.description === undefined ? {} : { description: step.description }),
    callbacks: step.callbacks.map((callback, index) => ({
      type: callback.type,
      output: callback.output,
      ...(callback.input
        ? {
            input: callback.input.map((field) => ({
              name: `IDToken${index + 1}${field.name}`,
              value: field.value,
            })),
          }
        : {}),
      _id: index,
    })),
  };
}

function readCallback(raw: unknown): Callback {
  const callback = asObject(raw);
  const input = Array.isArray(callback.input)
    ? callback.input.map((field): CallbackField => {
        const f = asObject(field);
        return { name: typeof f.name === 'string' ? f.name : '', value: f.value };
      })
    : undefined;
  return {
    type: typeof callback.type === 'string' ? callback.type : '',
    output: [],
    ...(input ? { input } : {}),
  };
}

/** An empty body (or `""`, `{}`) starts a journey; anything else must be a JSON object. */
function authBody(request: JsonRequest): Record<string, unknown> {
  if (isEmptyBody(request.rawBody)) return {};
  if (!isJsonContentType(request.raw.headers['content-type'])) fail('UnsupportedMediaType');
  const parsed = parseJson(request.rawBody as string);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('BadRequest', 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `?realm=` replaces the realm from the URL on authenticate (and only there). */
function realmOf(services: Services, request: JsonRequest) {
  const parameter = singleIgnoringCase(request.query, 'realm');
  if (parameter === undefined || parameter === '') return request.realm;
  return services.realms.resolveParameter(parameter) ?? fail('BadRequest', `Invalid realm, ${parameter}`);
}

function headerText(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : decodeRfc2047(text);
}
