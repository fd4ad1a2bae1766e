import type { Socket } from 'node:net';
import type autocannon from 'autocannon';
import { connectForAnswers } from './http-answers.js';
import type { Step } from './lib/steps.js';

/**
 * A closed loop for the login scenarios: each connection sends its steps in order (a journey's
 * first step, then its second built from the first's answer), one request in flight, the next as
 * soon as the previous is answered, until the time is up. It takes the same steps as autocannon
 * (bench/lib/steps.ts) and judges answers with the same checks.
 *
 * Why not autocannon here: logins are compared with the argon2id probe, which has the machine to
 * itself, so every cycle the load generator takes from the two cores is counted against Anvil.
 * autocannon took 0.22–0.49 ms of the runner's CPU per zero-page login (0.35–0.49 ms per journey),
 * up to a third of all Anvil did besides hashing; this client takes 0.10–0.24 ms (0.26–0.32), the
 * same minutes, alternating (bench/README.md). It is lean the way bench/paced.ts is: requests without a per-login part
 * are encoded once, each socket reads into one buffer of its own, answers are framed on the bytes
 * (bench/http-answers.ts). A body becomes a string only to be checked, as autocannon hands it.
 *
 * Plain HTTP/1.1 keep-alive over `node:net`; every request says its Content-Length. A connection
 * that fails or closes counts one failure and stops; answers still out `timeoutMs` after the time
 * is up count as failures too, and the run ends then at the latest.
 */
export interface ClosedOptions {
  port: number;
  connections: number;
  steps: readonly Step[];
  seconds: number;
  timeoutMs: number;
}

export interface ClosedResult {
  /** Sequences whose completing step was answered right. */
  operations: number;
  failures: number;
  /** Each completing step's latency in ms (from its send), in the order answered. */
  latenciesMs: Float64Array;
  /** `performance.now()` when the loop began (before connecting) and at the last answer. */
  startedAt: number;
  lastAnswerAt: number;
}

interface Connection {
  socket: Socket;
  step: number;
  context: Record<string, unknown>;
  sentAt: number;
  done: boolean;
}

/** A request as bytes: its head, Content-Length and body. */
export function encodeRequest(request: autocannon.Request, port: number): Buffer {
  const body = typeof request.body === 'string' ? request.body : (request.body?.toString('utf8') ?? '');
  let head = `${request.method ?? 'GET'} ${request.path ?? '/'} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of Object.entries(request.headers ?? {})) head += `${name}: ${value}\r\n`;
  return Buffer.from(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8');
}

/** A step's check; one that throws (an answer it cannot parse) judges the answer wrong. */
function judge(step: Step, status: number, body: string, context: Record<string, unknown>): boolean {
  try {
    return step.check(status, body, context);
  } catch {
    return false;
  }
}

export async function closedLoop(options: ClosedOptions): Promise<ClosedResult> {
  const { steps, port } = options;
  if (steps.length === 0) throw new Error('closedLoop needs at least one step');
  const fixed = steps.map((step) =>
    step.request.setupRequest ? undefined : encodeRequest(step.request, port),
  );
  let latencies = new Float64Array(1 << 12);
  let operations = 0;
  let failures = 0;
  let open = 0;
  const startedAt = performance.now();
  let lastAnswerAt = startedAt;
  const deadline = startedAt + options.seconds * 1000;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const connections: Connection[] = [];

  const stop = (connection: Connection) => {
    if (connection.done) return;
    connection.done = true;
    connection.socket.destroy();
    open -= 1;
    if (open === 0) finish();
  };

  const send = (connection: Connection) => {
    if (performance.now() >= deadline) return stop(connection);
    const step = steps[connection.step] as Step;
    let bytes = fixed[connection.step];
    if (!bytes) {
      const { setupRequest, ...rest } = step.request;
      const request = setupRequest?.({ ...rest, headers: { ...rest.headers } }, connection.context);
      if (!request) {
        // The step cannot be built from what came before: start over, or give up on a first
        // step that cannot be built at all.
        failures += 1;
        if (connection.step === 0) return stop(connection);
        connection.step = 0;
        connection.context = {};
        return send(connection);
      }
      bytes = encodeRequest(request, port);
    }
    connection.sentAt = performance.now();
    connection.socket.write(bytes);
  };

  const answered = (connection: Connection, status: number, bytes: Buffer, start: number, end: number) => {
    const now = performance.now();
    lastAnswerAt = now;
    const step = steps[connection.step] as Step;
    if (!judge(step, status, bytes.toString('utf8', start, end), connection.context)) {
      failures += 1;
      connection.step = 0;
      connection.context = {};
    } else {
      if (step.completes) {
        if (operations === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[operations] = now - connection.sentAt;
        operations += 1;
      }
      connection.step = (connection.step + 1) % steps.length;
      if (connection.step === 0) connection.context = {};
    }
    send(connection);
  };

  for (let i = 0; i < options.connections; i += 1) {
    const connection: Connection = {
      socket: undefined as unknown as Socket,
      step: 0,
      context: {},
      sentAt: 0,
      done: false,
    };
    connection.socket = connectForAnswers(port, (status, bytes, start, end) =>
      answered(connection, status, bytes, start, end),
    );
    const lost = () => {
      if (connection.done) return;
      failures += 1;
      stop(connection);
    };
    connection.socket.once('connect', () => send(connection));
    connection.socket.once('error', lost);
    connection.socket.once('close', lost);
    connections.push(connection);
    open += 1;
  }

  const guard = setTimeout(
    () => {
      for (const connection of connections) {
        if (connection.done) continue;
        failures += 1;
        stop(connection);
      }
    },
    options.seconds * 1000 + options.timeoutMs,
  );
  await finished;
  clearTimeout(guard);
  return { operations, failures, latenciesMs: latencies.slice(0, operations), startedAt, lastAnswerAt };
}
