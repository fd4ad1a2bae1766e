import { connect, type Socket } from 'node:net';

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
 */
export interface PacedOptions {
  port: number;
  /** Requests per second. */
  rate: number;
  durationMs: number;
  /** Sockets to keep open; a due request waits only when all are busy. */
  connections: number;
  /** The raw request for the i-th send (already a complete HTTP/1.1 message). */
  request: (i: number) => Buffer;
  /** Whether an answer counts as a success (status and body). */
  ok: (status: number, body: string) => boolean;
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
  busy: boolean;
  releasedAt: number;
  buffer: Buffer;
}

export async function paced(options: PacedOptions): Promise<PacedResult> {
  const total = Math.max(1, Math.floor((options.rate * options.durationMs) / 1000));
  const latencies = new Float64Array(total);
  let answered = 0;
  let failures = 0;
  let sent = 0;
  const waiting: { index: number; releasedAt: number }[] = [];
  const intervalMs = 1000 / options.rate;

  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect({ port: options.port, host: '127.0.0.1', noDelay: true });
          const connection: Connection = { socket, busy: false, releasedAt: 0, buffer: Buffer.alloc(0) };
          socket.once('connect', () => resolve(connection));
          socket.once('error', reject);
        }),
    ),
  );
  const idle: Connection[] = [...connections];

  const send = (connection: Connection, index: number, releasedAt: number) => {
    connection.busy = true;
    connection.releasedAt = releasedAt;
    connection.socket.write(options.request(index));
  };

  for (const connection of connections) {
    connection.socket.on('data', (chunk: Buffer) => {
      connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
      for (;;) {
        const headerEnd = connection.buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) return;
        const head = connection.buffer.subarray(0, headerEnd).toString('latin1');
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const bodyLength = length ? Number(length[1]) : 0;
        const end = headerEnd + 4 + bodyLength;
        if (connection.buffer.length < end) return;
        const status = Number(head.slice(9, 12));
        const body = connection.buffer.subarray(headerEnd + 4, end).toString('utf8');
        connection.buffer = connection.buffer.subarray(end);
        const latency = performance.now() - connection.releasedAt;
        if (answered < latencies.length) latencies[answered] = latency;
        answered += 1;
        if (!options.ok(status, body)) failures += 1;
        connection.busy = false;
        const next = waiting.shift();
        if (next === undefined) idle.push(connection);
        else send(connection, next.index, next.releasedAt);
      }
    });
    connection.socket.on('error', () => {
      failures += 1;
    });
  }

  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - t0) / intervalMs) + 1);
      while (sent < due) {
        const connection = idle.pop();
        if (connection) send(connection, sent, now);
        else waiting.push({ index: sent, releasedAt: now });
        sent += 1;
      }
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
