import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop, encodeRequest } from '../../bench/closed.js';
import { AnswerReader } from '../../bench/http-answers.js';
import type { Step } from '../../bench/lib/steps.js';

const answer = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('AnswerReader (the benchmark clients read answers on the bytes)', () => {
  const collect = () => {
    const seen: [number, string][] = [];
    const reader = new AnswerReader((status, bytes, start, end) =>
      seen.push([status, bytes.toString('utf8', start, end)]),
    );
    return { seen, reader };
  };

  it('frames several answers in one read by their Content-Length', () => {
    const { seen, reader } = collect();
    const bytes = Buffer.from(answer(200, '{"a":1}') + answer(401, '') + answer(200, '{"ü":"é"}'));
    reader.feed(bytes, bytes.length);
    expect(seen).toEqual([
      [200, '{"a":1}'],
      [401, ''],
      [200, '{"ü":"é"}'],
    ]);
  });

  it('keeps an answer split across reads, at any byte, until it is whole', () => {
    const whole = Buffer.from(answer(200, '{"tokenId":"abc"}') + answer(500, 'x'));
    for (let cut = 1; cut < whole.length; cut++) {
      const { seen, reader } = collect();
      // Each read lands in the same reused buffer, as with `onread`.
      const buffer = Buffer.alloc(whole.length);
      whole.copy(buffer, 0, 0, cut);
      reader.feed(buffer, cut);
      whole.copy(buffer, 0, cut);
      reader.feed(buffer, whole.length - cut);
      expect(seen, `cut at ${cut}`).toEqual([
        [200, '{"tokenId":"abc"}'],
        [500, 'x'],
      ]);
    }
  });

  it('reads the Content-Length header in any case', () => {
    const { seen, reader } = collect();
    const bytes = Buffer.from('HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\n\r\nok');
    reader.feed(bytes, bytes.length);
    expect(seen).toEqual([[200, 'ok']]);
  });
});

describe('closedLoop (the login scenarios’ load)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const open = server;
    if (!open) return;
    open.closeAllConnections();
    await new Promise((done) => open.close(done));
    server = undefined;
  });

  /** A two-step exchange: POST /start answers a ticket, POST /finish must bring it back. */
  const listen = async (handler: (path: string, body: string) => [number, string]) => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        const [status, text] = handler(request.url ?? '', body);
        response
          .writeHead(status, {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(text),
          })
          .end(text);
      });
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    return (server.address() as AddressInfo).port;
  };

  const twoSteps = (): Step[] => [
    {
      request: { method: 'POST', path: '/start', headers: { 'content-type': 'application/json' } },
      check: (status, body, context) => {
        if (status !== 200) return false;
        context.ticket = (JSON.parse(body) as { ticket: string }).ticket;
        return true;
      },
      completes: false,
    },
    {
      request: {
        method: 'POST',
        path: '/finish',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          if (typeof context.ticket !== 'string') return null;
          request.body = JSON.stringify({ ticket: context.ticket, name: 'Zoë' });
          return request;
        },
      },
      check: (status, body) => status === 200 && body.includes('"tokenId"'),
      completes: true,
    },
  ];

  it('runs each connection through the steps in order, counting the completing one', async () => {
    let issued = 0;
    const finished: string[] = [];
    const port = await listen((path, body) => {
      if (path === '/start') return [200, JSON.stringify({ ticket: `t${++issued}` })];
      const { ticket, name } = JSON.parse(body) as { ticket: string; name: string };
      finished.push(ticket);
      return name === 'Zoë' ? [200, '{"tokenId":"x"}'] : [400, '{}'];
    });
    const result = await closedLoop({
      port,
      connections: 4,
      steps: twoSteps(),
      seconds: 0.3,
      timeoutMs: 2000,
    });
    expect(result.failures).toBe(0);
    expect(result.operations).toBeGreaterThan(10);
    expect(result.operations).toBe(finished.length);
    expect(new Set(finished).size, 'every ticket brought back once').toBe(finished.length);
    expect(result.latenciesMs.length).toBe(result.operations);
    expect(result.lastAnswerAt).toBeGreaterThan(result.startedAt);
  });

  it('counts wrong answers as failures and starts the sequence over', async () => {
    let n = 0;
    const port = await listen((path) => {
      if (path === '/start') return [200, JSON.stringify({ ticket: 'same' })];
      n += 1;
      return n % 2 === 0 ? [200, '{"tokenId":"x"}'] : [401, '{"code":401}'];
    });
    const result = await closedLoop({
      port,
      connections: 1,
      steps: twoSteps(),
      seconds: 0.3,
      timeoutMs: 2000,
    });
    expect(result.operations).toBeGreaterThan(3);
    expect(Math.abs(result.failures - result.operations)).toBeLessThanOrEqual(1);
  });

  it('ends at the time limit when the server stops answering, counting what was out', async () => {
    const port = await listen(() => [200, '{}']);
    const silent = server as Server;
    silent.removeAllListeners('request');
    const started = performance.now();
    const result = await closedLoop({
      port,
      connections: 3,
      steps: twoSteps(),
      seconds: 0.1,
      timeoutMs: 200,
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result.operations).toBe(0);
    expect(result.failures).toBe(3);
  });

  it('gives up on a connection whose first step cannot be built', async () => {
    const port = await listen(() => [200, '{}']);
    const unbuildable: Step[] = [
      {
        request: { method: 'POST', path: '/x', setupRequest: () => null },
        check: () => true,
        completes: true,
      },
    ];
    const result = await closedLoop({
      port,
      connections: 2,
      steps: unbuildable,
      seconds: 5,
      timeoutMs: 1000,
    });
    expect(result).toMatchObject({ operations: 0, failures: 2 });
  });

  it('encodes a request with its Content-Length in bytes', () => {
    const bytes = encodeRequest({ method: 'POST', path: '/p', headers: { a: 'b' }, body: 'é' }, 8080);
    expect(bytes.toString('utf8')).toBe(
      'POST /p HTTP/1.1\r\nhost: 127.0.0.1:8080\r\na: b\r\ncontent-length: 2\r\n\r\né',
    );
  });
});
