import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeepAliveConnection, type ResponseOutcome } from './keep-alive-connection.js';

/** A raw TCP server: each test says which bytes answer a request, and in how many writes. */
let server: Server;
let port: number;
let answer: (socket: Socket, request: string) => void = () => {};
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      let end;
      while ((end = buffered.indexOf('\r\n\r\n')) >= 0) {
        const request = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        requests.push(request);
        answer(socket, request);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const get = (conn: KeepAliveConnection, path = '/x', headers: Record<string, string> = {}) =>
  new Promise<ResponseOutcome>((resolve) => conn.get(path, headers, resolve));

/** Writes `parts` one after another with a pause, so that the client reads them separately. */
async function trickle(socket: Socket, parts: (string | Buffer)[]): Promise<void> {
  for (const part of parts) {
    socket.write(part);
    await new Promise((r) => setTimeout(r, 15));
  }
}

describe('KeepAliveConnection', () => {
  it('sends the request line and headers, and reuses the connection', async () => {
    requests.length = 0;
    answer = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const conn = new KeepAliveConnection('127.0.0.1', port);
    expect(await get(conn, '/cases?limit=50', { authorization: 'Bearer k' })).toEqual({ status: 200 });
    expect(await get(conn, '/second')).toEqual({ status: 200 });
    expect(requests[0]).toBe(
      `GET /cases?limit=50 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer k`,
    );
    expect(requests[1]?.startsWith('GET /second HTTP/1.1')).toBe(true);
    conn.close();
  });

  it('finds a head split across reads and a body spread over many, multibyte bytes included', async () => {
    const body = Buffer.from('杭州'.repeat(40_000), 'utf8');
    answer = (socket) =>
      void trickle(socket, [
        'HTTP/1.1 404 Not Found\r\nconte',
        `nt-length: ${body.length}\r\n`,
        Buffer.concat([Buffer.from('\r\n'), body.subarray(0, 10)]),
        body.subarray(10, 150_000),
        body.subarray(150_000),
      ]);
    const conn = new KeepAliveConnection('127.0.0.1', port);
    expect(await get(conn)).toEqual({ status: 404 });
    // Still in step: the next response on the same connection is read from its own head.
    answer = (socket) => socket.write('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n');
    expect(await get(conn)).toEqual({ status: 204 });
    conn.close();
  });

  it('refuses chunked responses and fails a response cut short, leaving the connection unusable', async () => {
    answer = (socket) =>
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    const chunked = new KeepAliveConnection('127.0.0.1', port);
    const refused = await get(chunked);
    expect('error' in refused && refused.error.message).toMatch(/chunked/);
    expect(chunked.usable).toBe(false);

    answer = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
    const cut = new KeepAliveConnection('127.0.0.1', port);
    const outcome = await get(cut);
    expect('error' in outcome).toBe(true);
    expect(cut.usable).toBe(false);
    expect('error' in (await get(cut))).toBe(true);
  });

  it('reports a refused connection as an error, not a hang', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const conn = new KeepAliveConnection('127.0.0.1', closedPort);
    expect('error' in (await get(conn))).toBe(true);
  });
});
