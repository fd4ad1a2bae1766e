import type { Socket } from 'node:net';
import { connectForAnswers } from './http-answers.js';

/**
 * Latency at a fixed offered load (an open loop). autocannon is a closed loop: every connection
 * sends its next request as soon as the previous answer arrives, so its latencies are those of a
 * saturated server, and its `overallRate` sends each connection's quota in a burst at the start of
 * every second. A target such as "p99 ≤ 1 ms at half the maximum rate" needs requests spaced evenly
 * in time instead: request i is due at t0 + i / rate, whether or not earlier ones have been
 * answered (so a server that falls behind is charged for the wait: no coordinated omission).
 *
 * Plain HTTP/1.1 keep-alive over `node:net`, one request in flight per connection, answers framed
 * by Content-Length (both servers measured here always send it). By default the pacer wakes on a
 * 1 ms timer and releases the requests that fell due since its last wake-up (a small burst, as
 * independent clients produce; at 20,000/s, 20 at once, and more after the timer fires late);
 * waking by timer keeps the generator's CPU small, which matters when it shares the cores with
 * the server. With `spin`, the pacer instead checks the time on every turn of its event loop
 * (answers are read in between) and releases each request when it falls due: requests arrive
 * spaced as the rate says, at the cost of a whole core for the generator. A request's latency
 * runs from its release — not from its ideal due time, which would charge the timer's
 * granularity to the server — and includes any wait for a free connection.
 *
 * The client's own pauses are charged to the server it measures, so it allocates next to nothing
 * per request: the requests are built before the run, each socket reads into one buffer of its own
 * (`onread`), and answers are parsed and checked on the bytes, without strings. Written the plain
 * way (a string per head and body, a regular expression, a Buffer per read), it allocated
 * ≈ 8 KB per request, and its scavenges — 0.7–1.3 ms every 60–70 ms at 24,000/s — were a
 * millisecond-scale tail of every server it measured, bare node:http included.
 */
export interface PacedOptions {
  port: number;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Sockets to keep open; a due request waits only when all are busy. */
  connections: number;
  /** The raw request for the i-th send (already a complete HTTP/1.1 message; built beforehand). */
  request: (i: number) => Buffer;
  /** Whether an answer counts as a success: its status, and its body as `bytes[start, end)`. */
  ok: (status: number, bytes: Buffer, start: number, end: number) => boolean;
  /** Stop waiting for answers this long after the last send. */
  drainMs?: number;
  /** Release each request when it falls due, checking on every event-loop turn (a whole core). */
  spin?: boolean;
}

export interface PacedResult {
  offeredRate: number;
  sent: number;
  answered: number;
  failures: number;
  /** Latencies in ms from each request's release, ascending. */
  latenciesMs: Float64Array;
  elapsedS: number;
}

interface Connection {
  socket: Socket;
  releasedAt: number;
}

export async function paced(options: PacedOptions): Promise<PacedResult> {
  const total = Math.max(1, Math.floor((options.rate * options.durationMs) / 1000));
  const latencies = new Float64Array(total);
  let answered = 0;
  let failures = 0;
  let sent = 0;
  // Requests waiting for a free connection: their indices and release times, in order.
  const waitingIndex: number[] = [];
  const waitingAt: number[] = [];
  const intervalMs = 1000 / options.rate;
  const idle: Connection[] = [];

  const send = (connection: Connection, index: number, releasedAt: number) => {
    connection.releasedAt = releasedAt;
    connection.socket.write(options.request(index));
  };

  const answer = (connection: Connection, status: number, bytes: Buffer, start: number, end: number) => {
    const latency = performance.now() - connection.releasedAt;
    if (answered < latencies.length) latencies[answered] = latency;
    answered += 1;
    if (!options.ok(status, bytes, start, end)) failures += 1;
    const next = waitingIndex.shift();
    if (next === undefined) idle.push(connection);
    else send(connection, next, waitingAt.shift() as number);
  };

  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const connection: Connection = { socket: undefined as unknown as Socket, releasedAt: 0 };
          const socket = connectForAnswers(options.port, (status, bytes, start, end) =>
            answer(connection, status, bytes, start, end),
          );
          connection.socket = socket;
          socket.once('connect', () => resolve(connection));
          socket.once('error', reject);
        }),
    ),
  );
  idle.push(...connections);
  for (const connection of connections) {
    connection.socket.on('error', () => {
      failures += 1;
    });
  }

  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const release = (now: number) => {
      const due = Math.min(total, Math.floor((now - t0) / intervalMs) + 1);
      while (sent < due) {
        const connection = idle.pop();
        if (connection) send(connection, sent, now);
        else {
          waitingIndex.push(sent);
          waitingAt.push(now);
        }
        sent += 1;
      }
    };
    const tick = () => {
      release(performance.now());
      if (sent >= total) resolve();
      else if (options.spin) setImmediate(tick);
      else setTimeout(tick, 1);
    };
    tick();
  });
  const lastSend = performance.now();
  const drainMs = options.drainMs ?? 5000;
  await new Promise<void>((resolve) => {
    const check = () => {
      if (answered >= total || performance.now() - lastSend > drainMs) resolve();
      else setTimeout(check, 1);
    };
    check();
  });
  const elapsedS = (performance.now() - t0) / 1000;
  for (const connection of connections) connection.socket.destroy();
  failures += total - answered;
  const measured = latencies.subarray(0, Math.min(answered, total)).sort();
  return { offeredRate: options.rate, sent, answered, failures, latenciesMs: measured, elapsedS };
}
