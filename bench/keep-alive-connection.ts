/**
 * One keep-alive HTTP/1.1 connection for load generation: a GET at a time, and of the response
 * only its status and its end are noticed; the body is read into one reused buffer and dropped.
 *
 * Why not node:http: the load generator shares the machine with what it measures, and Node's
 * client spent 0.4–0.5 ms of CPU per 70 KB case page (a fresh buffer per read, a parser event and
 * a Buffer per chunk), as much as a third of what the API itself spends on the page. This reads
 * with `onread` into a buffer that stays faulted in, and only looks for the end of the head and
 * Content-Length. Responses without Content-Length (chunked) are refused, not guessed at.
 */
import { connect, type Socket } from 'node:net';

const READ_BUFFER_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** A head this long without its end is not a response this client understands. */
const MAX_HEAD_BYTES = 64 * 1024;

export type ResponseOutcome = { status: number } | { error: Error };

export class KeepAliveConnection {
  private readonly socket: Socket;
  private readonly readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  private head: Buffer[] = [];
  private headBytes = 0;
  private bodyLeft = -1;
  private status = 0;
  private pending: ((outcome: ResponseOutcome) => void) | undefined;
  private closed = false;

  constructor(
    host: string,
    port: number,
    private readonly hostHeader = `${host}:${port}`,
  ) {
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: this.readBuffer, callback: (n: number) => this.onRead(n) },
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** False once the connection failed or was closed; a caller then opens a new one. */
  get usable(): boolean {
    return !this.closed;
  }

  /** Sends GET `path`; `done` gets the status when the whole response has arrived. */
  get(path: string, headers: Record<string, string>, done: (outcome: ResponseOutcome) => void): void {
    if (this.pending) throw new Error('one request at a time on a connection');
    if (this.closed) {
      done({ error: new Error('connection closed') });
      return;
    }
    this.pending = done;
    this.head = [];
    this.headBytes = 0;
    this.bodyLeft = -1;
    let request = `GET ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n`;
    for (const [name, value] of Object.entries(headers)) request += `${name}: ${value}\r\n`;
    this.socket.write(`${request}\r\n`, 'latin1');
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onRead(n: number): boolean {
    let at = 0;
    if (this.bodyLeft < 0) {
      const read = this.readBuffer.subarray(0, n);
      // Usually the whole head comes in one read: then nothing is copied.
      const joined = this.head.length === 0 ? read : Buffer.concat([...this.head, read]);
      const end = joined.indexOf(HEAD_END);
      if (end < 0) {
        this.head.push(Buffer.from(read));
        this.headBytes += n;
        if (this.headBytes > MAX_HEAD_BYTES) this.fail(new Error('response head too long'));
        return true;
      }
      const parsed = parseHead(joined.subarray(0, end).toString('latin1'));
      if ('error' in parsed) {
        this.fail(parsed.error);
        return true;
      }
      this.status = parsed.status;
      this.bodyLeft = parsed.contentLength;
      // The body starts in this read (the reads before it ended inside the head).
      at = n - (joined.length - (end + HEAD_END.length));
    }
    this.bodyLeft -= n - at;
    if (this.bodyLeft < 0) this.fail(new Error('more bytes than Content-Length'));
    else if (this.bodyLeft === 0) this.finish({ status: this.status });
    return true;
  }

  private finish(outcome: ResponseOutcome): void {
    const done = this.pending;
    this.pending = undefined;
    this.bodyLeft = -1;
    done?.(outcome);
  }

  private fail(error: Error): void {
    if (!this.closed) this.close();
    this.finish({ error });
  }
}

function parseHead(head: string): { status: number; contentLength: number } | { error: Error } {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) return { error: new Error(`not an HTTP/1.x status line: ${lines[0]}`) };
  let contentLength: number | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') contentLength = Number(value);
    if (name === 'transfer-encoding' && value.toLowerCase() !== 'identity') {
      return { error: new Error(`transfer-encoding ${value} is not supported by the load client`) };
    }
  }
  if (contentLength === undefined || !Number.isSafeInteger(contentLength) || contentLength < 0) {
    return { error: new Error('response without a usable Content-Length') };
  }
  return { status: Number(status[1]), contentLength };
}
