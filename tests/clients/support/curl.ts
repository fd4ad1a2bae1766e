import { execFile } from 'node:child_process';
import type { Transcript } from './transcript.js';

/**
 * Runs the real `curl` binary (as the AM documentation's recipes do) and parses its `-i` output.
 * Every run is recorded in the transcript under the command line itself, so a failing test prints
 * a command that can be pasted into a shell, with the answer it got.
 */

export interface CurlRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** Sent with --data (curl adds no Content-Type of its own when the headers name one). */
  data?: string;
}

export interface CurlAnswer {
  status: number;
  /** Lower-case names; repeated headers (set-cookie) keep every value. */
  headers: Record<string, string[]>;
  text: string;
  body: Record<string, unknown>;
  command: string;
}

export function curl(request: CurlRequest, transcript: Transcript): Promise<CurlAnswer> {
  const args = ['--silent', '--show-error', '--include', '--max-time', '10', '--request', request.method];
  for (const [name, value] of Object.entries(request.headers ?? {}))
    args.push('--header', `${name}: ${value}`);
  if (request.data !== undefined) args.push('--data', request.data);
  args.push(request.url);
  const command = ['curl', ...args.map(shellQuote)].join(' ');
  const recorded = {
    label: command,
    request: {
      method: request.method,
      url: request.url,
      headers: request.headers ?? {},
      ...(request.data === undefined ? {} : { body: request.data }),
    },
  };
  return new Promise((resolve, reject) => {
    execFile('curl', args, { timeout: 15_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        transcript.record({ ...recorded, error: `${error.message}\n${stderr}` });
        reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
        return;
      }
      const answer = parse(stdout, command);
      const headers: Record<string, string | string[]> = {};
      for (const [name, values] of Object.entries(answer.headers))
        headers[name] = values.length === 1 ? (values[0] as string) : values;
      transcript.record({ ...recorded, response: { status: answer.status, headers, body: answer.text } });
      resolve(answer);
    });
  });
}

function parse(output: string, command: string): CurlAnswer {
  const split = output.indexOf('\r\n\r\n');
  const head = split === -1 ? output : output.slice(0, split);
  const text = split === -1 ? '' : output.slice(split + 4);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const values = headers[name] ?? [];
    values.push(line.slice(colon + 1).trim());
    headers[name] = values;
  }
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // left empty: the test's shape checks say what was expected
  }
  return { status, headers, text, body, command };
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-./:=,@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
