import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback reverse proxy in front of a server that lets a test rewrite JSON answers: used to
 * break a response shape on purpose and see that a client's checks notice.
 */
export interface RewritingProxy {
  url: string;
  close(): Promise<void>;
}

export type Rewrite = (path: string, body: Record<string, unknown>) => Record<string, unknown> | undefined;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'host',
]);

export async function startProxy(target: string, rewrite: Rewrite): Promise<RewritingProxy> {
  const server: Server = createServer((req, res) => {
    void forward(req).then(
      ({ status, headers, setCookies, body }) => {
        let payload = body;
        try {
          const changed = rewrite(req.url ?? '/', JSON.parse(body) as Record<string, unknown>);
          if (changed) payload = JSON.stringify(changed);
        } catch {
          // not JSON: passed on as is
        }
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        if (setCookies.length > 0) res.setHeader('set-cookie', setCookies);
        res.setHeader('content-length', Buffer.byteLength(payload));
        res.writeHead(status);
        res.end(payload);
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  });

  async function forward(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(name) || value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
    }
    const method = req.method ?? 'GET';
    const body =
      chunks.length > 0 && method !== 'GET' && method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const response = await fetch(`${target}${req.url ?? '/'}`, {
      method,
      headers,
      ...(body ? { body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    const out: Record<string, string> = {};
    for (const [name, value] of response.headers) {
      if (!HOP_BY_HOP.has(name) && name !== 'set-cookie') out[name] = value;
    }
    return {
      status: response.status,
      headers: out,
      setCookies: response.headers.getSetCookie(),
      body: await response.text(),
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
