/**
 * HTTP/1.1 over a bare TCP socket, for tests that must send what fetch refuses to (bad lengths,
 * bodies on GET, junk headers, half-sent requests) and see exactly what comes back, including a
 * server that closes the connection or never answers.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type RawOutcome = RawResponse | 'closed' | 'timeout';

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    const end = () => {
      this.ended = true;
      this.waiter?.();
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number, options: { host?: string; localAddress?: string } = {}): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: options.host ?? '127.0.0.1', localAddress: options.localAddress });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** The server closed (or reset) the connection. */
  get closed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    if (!this.ended) this.socket.write(data);
  }

  /** Sends one request and reads one response (`head`: a HEAD request, so no body follows). */
  async request(data: string | Buffer, timeoutMs = 5000, head = false): Promise<RawOutcome> {
    this.write(data);
    return this.response(timeoutMs, head);
  }

  /** Reads the next response: 'closed' if the connection ends first, 'timeout' if nothing comes. */
  async response(timeoutMs = 5000, head = false): Promise<RawOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parse(head);
      if (parsed !== undefined) return parsed;
      if (this.ended) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(head: boolean): RawResponse | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = head ? 0 : Number(headers['content-length'] ?? 0);
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body };
  }
}

/** One request on a fresh connection. */
export async function rawRequest(port: number, data: string | Buffer, timeoutMs = 5000): Promise<RawOutcome> {
  const connection = await RawConnection.open(port);
  try {
    return await connection.request(data, timeoutMs);
  } finally {
    connection.close();
  }
}
