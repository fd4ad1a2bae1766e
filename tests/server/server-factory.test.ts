import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serverWithoutEmptyBodies } from '../../src/http/server-factory.js';
import { buildTestApp, loginDemo, type TestApp } from '../helpers/app.js';

const VALIDATE = '/am/json/realms/root/realms/alpha/sessions?_action=validate';

interface Sent {
  headers: Record<string, string>;
  /** Written as given; with `Transfer-Encoding: chunked` in `headers`, sent as one chunk. */
  body?: string;
}

/** One request over a real connection, headers exactly as given (no added Content-Length). */
function send(
  port: number,
  { headers, body }: Sent,
  agent?: Agent,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const options = {
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: VALIDATE,
      headers,
      ...(agent ? { agent } : {}),
    };
    const req = httpRequest(options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the HTTP server in front of Fastify', () => {
  let t: TestApp;
  let port: number;
  let token: string;
  beforeEach(async () => {
    t = await buildTestApp();
    token = await loginDemo(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterEach(() => t.close());

  const base = { 'accept-api-version': 'resource=4.0' };

  it('answers a bodyless POST that names a content type, whatever the type', async () => {
    for (const type of ['application/json', 'text/plain']) {
      const response = await send(port, {
        headers: { ...base, 'content-type': type, iplanetdirectorypro: token },
      });
      expect(response.status, type).toBe(200);
      expect(JSON.parse(response.body), type).toMatchObject({ valid: true, uid: 'demo' });
    }
    const zero = await send(port, {
      headers: {
        ...base,
        'content-type': 'application/json',
        'content-length': '0',
        iplanetdirectorypro: token,
      },
    });
    expect(JSON.parse(zero.body)).toMatchObject({ valid: true });
  });

  it('still reads and checks bodies, sized or chunked', async () => {
    const body = JSON.stringify({ tokenId: token });
    const sized = await send(port, {
      headers: { ...base, 'content-type': 'application/json', 'content-length': String(body.length) },
      body,
    });
    expect(JSON.parse(sized.body)).toMatchObject({ valid: true, uid: 'demo' });
    const chunked = await send(port, {
      headers: { ...base, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    expect(JSON.parse(chunked.body)).toMatchObject({ valid: true, uid: 'demo' });
    const wrongType = await send(port, {
      headers: { ...base, 'content-type': 'text/plain', 'content-length': String(body.length) },
      body,
    });
    expect(wrongType.status).toBe(400);
    expect(JSON.parse(wrongType.body).message).toContain("content-type 'text/plain'");
  });

  it('answers bodyless and bodied requests in turn on one kept-alive connection', async () => {
    let connections = 0;
    t.app.server.on('connection', () => {
      connections += 1;
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = JSON.stringify({ tokenId: token });
      const json = { ...base, 'content-type': 'application/json' };
      const sequence: Sent[] = [
        { headers: { ...json, iplanetdirectorypro: token } },
        { headers: { ...json, 'content-length': String(body.length) }, body },
        { headers: { ...base, iplanetdirectorypro: token } },
        { headers: { ...json, 'transfer-encoding': 'chunked' }, body },
        { headers: { ...json, 'content-length': '0', iplanetdirectorypro: token } },
      ];
      for (const [i, sent] of sequence.entries()) {
        const response = await send(port, sent, agent);
        expect(JSON.parse(response.body), `request ${i}`).toMatchObject({ valid: true, uid: 'demo' });
      }
      expect(connections).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('keeps idle connections as Fastify would (72 s)', async () => {
    expect(t.app.server.keepAliveTimeout).toBe(72_000);
    const response = await send(port, { headers: { ...base, iplanetdirectorypro: token } });
    expect(response.headers['keep-alive']).toBe('timeout=72');
  });
});

describe('serverWithoutEmptyBodies', () => {
  it('hides the content type of requests without a body only', async () => {
    const seen: (string | undefined)[] = [];
    const server = serverWithoutEmptyBodies(
      (req, res) => {
        seen.push(req.headers['content-type']);
        req.resume();
        req.on('end', () => res.end());
      },
      { keepAliveTimeout: 5_000 },
    );
    expect(server.keepAliveTimeout).toBe(5_000);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const type = { 'content-type': 'application/json' };
      await send(port, { headers: type });
      await send(port, { headers: { ...type, 'content-length': '0' } });
      await send(port, { headers: { ...type, 'content-length': '2' }, body: '{}' });
      await send(port, { headers: { ...type, 'transfer-encoding': 'chunked' }, body: '{}' });
      expect(seen).toEqual([undefined, undefined, 'application/json', 'application/json']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
