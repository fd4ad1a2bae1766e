/** The requests each scenario sends, and how an answer is judged right. */
import type autocannon from 'autocannon';
import { ALPHA, USER_PASSWORD, USERNAME } from './constants.js';
import type { Target } from './processes.js';

export interface Step {
  request: autocannon.Request;
  /** Whether the answer is right; may keep state for the next step in `context`. */
  check: (status: number, body: string, context: Record<string, unknown>) => boolean;
  /** Whether a right answer to this step completes one operation (a journey counts its last step). */
  completes: boolean;
}

/** Round-robin over a token list, starting at a random place. */
export function tokenCycle(list: readonly string[]): () => string {
  let i = Math.floor(Math.random() * list.length);
  return () => {
    const token = list[i % list.length] as string;
    i += 1;
    return token;
  };
}

/** What each session action's answer on Anvil contains when it succeeded. */
export const SESSION_MARKERS: Record<string, string> = {
  validate: '"valid":true',
  getSessionInfo: `"username":"${USERNAME}"`,
  refresh: `"uid":"${USERNAME}"`,
  getSessionInfoAndResetIdleTime: `"username":"${USERNAME}"`,
  logout: 'Successfully logged out',
};

export function sessionSteps(action: string, next: () => string, target: Target): Step[] {
  const marker = SESSION_MARKERS[action];
  const accept = (body: string) => marker !== undefined && body.includes(marker);
  return [
    {
      request: {
        method: 'POST',
        path: `${ALPHA}/sessions?_action=${action}`,
        headers: { 'accept-api-version': 'resource=4.0', 'content-type': 'application/json' },
        setupRequest: (request) => {
          (request.headers as Record<string, string>).iplanetdirectorypro = next();
          return request;
        },
      },
      check: (status, body) => status === 200 && (target.name !== 'anvil' || accept(body)),
      completes: true,
    },
  ];
}

export function zeroPageSteps(): Step[] {
  return [
    {
      request: {
        method: 'POST',
        path: `${ALPHA}/authenticate`,
        headers: {
          'accept-api-version': 'resource=2.1',
          'content-type': 'application/json',
          'x-openam-username': USERNAME,
          'x-openam-password': USER_PASSWORD,
        },
      },
      check: (status, body) => status === 200 && body.includes('"tokenId"'),
      completes: true,
    },
  ];
}

interface Callback {
  type: string;
  input: { name: string; value: unknown }[];
}

export function journeySteps(): Step[] {
  const path = `${ALPHA}/authenticate?authIndexType=service&authIndexValue=Login`;
  const headers = { 'accept-api-version': 'resource=2.1', 'content-type': 'application/json' };
  return [
    {
      request: { method: 'POST', path, headers },
      check: (status, body, context) => {
        if (status !== 200) return false;
        const step = JSON.parse(body) as { authId?: string; callbacks?: Callback[] };
        if (typeof step.authId !== 'string' || !Array.isArray(step.callbacks)) return false;
        context.step = step;
        return true;
      },
      completes: false,
    },
    {
      request: {
        method: 'POST',
        path,
        headers,
        setupRequest: (request, context) => {
          const step = context.step as { authId: string; callbacks: Callback[] } | undefined;
          if (!step) return null;
          for (const callback of step.callbacks) {
            const input = callback.input[0];
            if (!input) continue;
            if (callback.type === 'NameCallback') input.value = USERNAME;
            if (callback.type === 'PasswordCallback') input.value = USER_PASSWORD;
          }
          request.body = JSON.stringify(step);
          return request;
        },
      },
      check: (status, body) => status === 200 && body.includes('"tokenId"'),
      completes: true,
    },
  ];
}
