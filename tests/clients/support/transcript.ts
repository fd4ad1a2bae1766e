/**
 * What a client sent and what it got back, kept per test so that a failing test prints the
 * exchanges that led to it (the last one first in mind: it is usually the one that failed).
 */

export interface Exchange {
  /** Who made it: "FRAuth.next", "curl: validate", "browser", … */
  label?: string;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string | string[]>; body: string };
  /** A network error instead of a response. */
  error?: string;
}

const MAX_BODY = 4_000;

export class Transcript {
  readonly exchanges: Exchange[] = [];

  record(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }

  clear(): void {
    this.exchanges.length = 0;
  }

  /** Every exchange recorded since the last clear, oldest first, numbered. */
  format(title = 'HTTP exchanges of the failed test'): string {
    if (this.exchanges.length === 0) return `${title}: none recorded`;
    const parts = this.exchanges.map((exchange, i) =>
      formatExchange(exchange, `#${i + 1}${i === this.exchanges.length - 1 ? ' (last)' : ''}`),
    );
    return `${title} (${this.exchanges.length}):\n${parts.join('\n')}`;
  }
}

export function formatExchange(exchange: Exchange, heading = ''): string {
  const { request, response, error, label } = exchange;
  const lines = [`──── ${heading}${label ? ` ${label}` : ''}`.trimEnd()];
  lines.push(`> ${request.method} ${request.url}`);
  for (const [name, value] of Object.entries(request.headers)) lines.push(`> ${name}: ${value}`);
  if (request.body !== undefined && request.body !== '') lines.push(`> ${clip(request.body)}`);
  if (error !== undefined) lines.push(`! ${error}`);
  if (response) {
    lines.push(`< ${response.status}`);
    for (const [name, value] of Object.entries(response.headers))
      for (const v of Array.isArray(value) ? value : [value]) lines.push(`< ${name}: ${v}`);
    if (response.body !== '') lines.push(`< ${clip(response.body)}`);
  }
  return lines.join('\n');
}

/** Response headers as a record; `set-cookie` keeps each of its values. */
export function headerRecord(headers: Headers): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = Object.fromEntries(headers);
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['set-cookie'] = cookies;
  return record;
}

function clip(text: string): string {
  return text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}… (${text.length} characters)` : text;
}

/**
 * A `fetch` that records every call into the transcript (the body read from a clone, so the
 * caller still gets an unread response). For clients that use the global fetch: the JS SDK.
 */
export function recordingFetch(
  real: typeof fetch,
  transcript: Transcript,
  label: () => string,
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.body === null ? undefined : await request.clone().text();
    const base: Exchange = {
      label: label(),
      request: {
        method: request.method,
        url: request.url,
        headers: Object.fromEntries(request.headers),
        ...(body === undefined ? {} : { body }),
      },
    };
    let response: Response;
    try {
      response = await real(input, init);
    } catch (error) {
      transcript.record({ ...base, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    const text = await response.clone().text();
    transcript.record({
      ...base,
      response: { status: response.status, headers: headerRecord(response.headers), body: text },
    });
    return response;
  };
}
