// A tiny single-page app on its own origin: signs in through the ForgeRock JavaScript SDK, shows
// the result, proves the session cookie rides along on a credentialed fetch, and signs out.
// `?amUrl=` names the server (as the SDK's own e2e apps take it from the query string).
import { CallbackType, Config, FRAuth, SessionManager, StepType } from '@forgerock/javascript-sdk';

const params = new URLSearchParams(location.search);
const amUrl = params.get('amUrl') ?? 'http://127.0.0.1:8080/am';
const realmPath = params.get('realmPath') ?? 'alpha';
const sessionsUrl = `${amUrl}/json/realms/root/realms/${realmPath}/sessions`;

const $ = (id) => document.getElementById(id);
const state = (value) => {
  document.body.dataset.state = value;
};
const show = (status, details = {}) => {
  $('status').textContent = status;
  $('details').replaceChildren(
    ...Object.entries(details).flatMap(([term, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = term;
      const dd = document.createElement('dd');
      dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
      return [dt, dd];
    }),
  );
};

Config.set({ serverConfig: { baseUrl: amUrl, timeout: 10_000 }, realmPath, tree: 'Login' });
$('origin').textContent = location.origin;
$('am-url').textContent = amUrl;

/** A sessions action with only the browser's cookie jar carrying the token. */
async function sessionsAction(action, body = {}) {
  const response = await fetch(`${sessionsUrl}?_action=${action}`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'Accept-API-Version': 'resource=4.0, protocol=1.0', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function signIn(username, password) {
  const step = await FRAuth.start();
  if (step.type !== StepType.Step) throw new Error(`FRAuth.start gave ${step.type}`);
  step.getCallbackOfType(CallbackType.NameCallback).setName(username);
  step.getCallbackOfType(CallbackType.PasswordCallback).setPassword(password);
  const result = await FRAuth.next(step);
  if (result.type === StepType.LoginFailure) {
    state('failed');
    show(`Sign-in failed: ${result.getCode()} ${result.getMessage()}`);
    return;
  }
  if (result.type !== StepType.LoginSuccess) throw new Error(`FRAuth.next gave ${result.type}`);
  const token = result.getSessionToken();
  // The cookie (HttpOnly, invisible to this script) is the only token these two requests carry.
  const info = await sessionsAction('getSessionInfo');
  const validation = await sessionsAction('validate');
  document.body.dataset.token = token;
  $('sign-in').disabled = true;
  $('sign-out').disabled = false;
  state(info.status === 200 && validation.body.valid === true ? 'signed-in' : 'error');
  show(`Signed in as ${info.body.username ?? '?'} (${result.getRealm()})`, {
    'FRLoginSuccess.getSessionToken()': `${token.slice(0, 24)}…`,
    'getSessionInfo with the cookie only': `${info.status} ${JSON.stringify(info.body)}`,
    'validate with the cookie only': `${validation.status} ${JSON.stringify(validation.body)}`,
  });
}

async function signOut() {
  const token = document.body.dataset.token;
  const response = await SessionManager.logout();
  const logout = await response.json();
  // The cookie is gone; ask about the token explicitly.
  const after = await sessionsAction('validate', { tokenId: token });
  $('sign-out').disabled = true;
  $('sign-in').disabled = false;
  state(after.body.valid === false ? 'signed-out' : 'error');
  show(`Signed out: ${logout.result}`, {
    'SessionManager.logout()': `${response.status} ${JSON.stringify(logout)}`,
    'validate of the old token': `${after.status} ${JSON.stringify(after.body)}`,
  });
}

const guard = (run) => async (event) => {
  event?.preventDefault();
  try {
    await run();
  } catch (error) {
    state('error');
    show(`Error: ${error instanceof Error ? error.message : String(error)}`);
  }
};

$('login').addEventListener(
  'submit',
  guard(() => signIn($('username').value, $('password').value)),
);
$('sign-out').addEventListener('click', guard(signOut));
state('ready');
show('Ready: enter a user name and password.');
