import { connect, type Socket } from 'node:net';

/**
 * HTTP/1.1 answers read off a socket's bytes, for the benchmark's own clients (bench/paced.ts,
 * bench/closed.ts): each answer's status and its body as `bytes[start, end)`, framed by
 * Content-Length (both servers measured here always send it), without strings or regular
 * expressions, so that a client allocates next to nothing per answer.
 */

/** Where the answer's head ends, its status and its Content-Length; `readHead` fills it. */
const head = { status: 0, bodyStart: 0, length: 0 };
const CONTENT_LENGTH = Buffer.from('content-length:', 'latin1');

/** Parses the head of an answer in `b[from, to)`; false when it is not all there yet. */
function readHead(b: Buffer, from: number, to: number): boolean {
  if (to - from < 16) return false;
  // "HTTP/1.1 200": three ASCII digits at 9–11, each less '0' (48; 48 × 111 = 5328 in all).
  head.status =
    (b[from + 9] as number) * 100 + (b[from + 10] as number) * 10 + (b[from + 11] as number) - 5328;
  head.length = 0;
  let line = from;
  for (;;) {
    let end = line;
    while (end + 1 < to && !(b[end] === 13 && b[end + 1] === 10)) end += 1;
    if (end + 1 >= to) return false;
    if (end === line) {
      head.bodyStart = end + 2;
      return true;
    }
    if (end - line > CONTENT_LENGTH.length && startsWithLower(b, line, CONTENT_LENGTH)) {
      let n = 0;
      for (let i = line + CONTENT_LENGTH.length; i < end; i += 1) {
        const c = b[i] as number;
        if (c >= 48 && c <= 57) n = n * 10 + c - 48;
      }
      head.length = n;
    }
    line = end + 2;
  }
}

/** Whether `b` at `at` spells `lower` (lower case), ignoring the case of ASCII letters in `b`. */
function startsWithLower(b: Buffer, at: number, lower: Buffer): boolean {
  for (let i = 0; i < lower.length; i += 1) if (((b[at + i] as number) | 0x20) !== lower[i]) return false;
  return true;
}

export type OnAnswer = (status: number, bytes: Buffer, start: number, end: number) => void;

/**
 * One connection's answers: `feed` takes what one read brought and calls `onAnswer` for every
 * whole answer in it, keeping the start of a partial one for the next read (rare: the answers
 * measured here are a few hundred bytes to a few KB).
 */
export class AnswerReader {
  #carry: Buffer | undefined;
  readonly #onAnswer: OnAnswer;

  constructor(onAnswer: OnAnswer) {
    this.#onAnswer = onAnswer;
  }

  feed(read: Buffer, count: number): void {
    let bytes = read;
    let to = count;
    if (this.#carry) {
      bytes = Buffer.concat([this.#carry, read.subarray(0, count)]);
      to = bytes.length;
      this.#carry = undefined;
    }
    let from = 0;
    while (from < to) {
      if (!readHead(bytes, from, to) || head.bodyStart + head.length > to) break;
      const end = head.bodyStart + head.length;
      this.#onAnswer(head.status, bytes, head.bodyStart, end);
      from = end;
    }
    if (from < to) this.#carry = Buffer.from(bytes.subarray(from, to));
  }
}

/** Bytes each socket reads into, reused for every read. */
const READ_BUFFER_BYTES = 16 * 1024;

/**
 * A keep-alive connection to `127.0.0.1:port` (no Nagle delay) whose answers go to `onAnswer`: it
 * reads into one buffer of its own (`onread`), framed by an `AnswerReader`.
 */
export function connectForAnswers(port: number, onAnswer: OnAnswer): Socket {
  const reader = new AnswerReader(onAnswer);
  return connect({
    port,
    host: '127.0.0.1',
    noDelay: true,
    onread: {
      buffer: Buffer.alloc(READ_BUFFER_BYTES),
      callback: (count: number, buffer: Uint8Array) => {
        reader.feed(buffer as Buffer, count);
        return true;
      },
    },
  });
}
