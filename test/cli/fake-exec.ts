/**
 * The exec endpoint of the fake API server: a websocket (RFC 6455, server side, written here so the client
 * library's own `ws` is tested against an independent implementation) speaking the Kubernetes remote-command
 * subprotocols v5.channel.k8s.io / v4.channel.k8s.io. Every binary frame starts with its channel: 0 stdin,
 * 1 stdout, 2 stderr, 3 the final status (JSON), 4 terminal resize; v5 adds 255 + channel: "this channel is
 * closed" (the client sends [255, 0] when its stdin ends; v4 clients can only close the whole connection).
 * A test scripts what the "shell" does with an ExecScript that drives an ExecSession.
 */
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Duplex } from 'node:stream';

export const V5 = 'v5.channel.k8s.io';
export const V4 = 'v4.channel.k8s.io';

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The final status of a command that exited 0. */
export const EXEC_SUCCESS = { metadata: {}, status: 'Success' } as const;

/** The final status of a command that exited with a non-zero code, as the kubelet reports it. */
export function execExitCode(code: number): Record<string, unknown> {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [sh], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** The exec upgrade request as the fake received it. `command` and friends keep every repetition. */
export interface ExecRequest {
  path: string;
  query: Record<string, string[]>;
  /** Sec-WebSocket-Protocol offered by the client, in its order. */
  protocols: string[];
  /** The subprotocol the fake chose ('' when the request was refused). */
  protocol: string;
  authorization: string | undefined;
}

export interface ReceivedFrame {
  channel: number;
  data: Buffer;
}

export type ExecScript = (session: ExecSession) => void | Promise<void>;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x80 | opcode, length]);
  } else if (length < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** One exec connection, after the 101 Switching Protocols. */
export class ExecSession {
  /** Every data frame the client sent, in order (close-channel frames appear with channel 255). */
  readonly received: ReceivedFrame[] = [];
  /** The client closed its stdin (v5: [255, 0]; v4: only by closing the connection). */
  stdinClosed = false;
  /** The connection is gone. */
  closed = false;
  /** The client sent a websocket close frame (a clean close, not a drop). */
  clientCloseFrame = false;
  private buffered = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closeSent = false;
  private readonly changes = new EventEmitter();

  constructor(
    readonly request: ExecRequest,
    private readonly socket: Duplex,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.stdinClosed = true;
      this.changes.emit('change');
    });
  }

  get protocol(): string {
    return this.request.protocol;
  }

  /** The stdin bytes received so far. */
  stdin(): Buffer {
    return Buffer.concat(
      this.received.filter((received) => received.channel === CHANNEL.stdin).map((received) => received.data),
    );
  }

  /** Resolves once the condition holds; rejects after timeoutMs with what was awaited. */
  async until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    while (!condition()) {
      try {
        await once(this.changes, 'change', { signal });
      } catch {
        throw new Error(
          `fake exec: timed out waiting for ${what}; stdin so far: ${JSON.stringify(String(this.stdin()))}`,
        );
      }
    }
  }

  /** Resolves with all of stdin once the client closed it (or the connection). */
  async stdinUntilEnd(timeoutMs?: number): Promise<Buffer> {
    await this.until(() => this.stdinClosed, 'the end of stdin', timeoutMs);
    return this.stdin();
  }

  /** Resolves once stdin contains the text. */
  async stdinContains(text: string, timeoutMs?: number): Promise<void> {
    await this.until(() => this.stdin().includes(text), `stdin to contain ${JSON.stringify(text)}`, timeoutMs);
  }

  /** Resolves once the connection is gone. */
  async connectionClosed(timeoutMs?: number): Promise<void> {
    await this.until(() => this.closed, 'the connection to close', timeoutMs);
  }

  send(channel: number, data: string | Buffer): void {
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.write(frame(OPCODE.binary, Buffer.concat([Buffer.from([channel]), payload])));
  }

  stdout(data: string | Buffer): void {
    this.send(CHANNEL.stdout, data);
  }

  stderr(data: string | Buffer): void {
    this.send(CHANNEL.stderr, data);
  }

  /** The final status on channel 3 (the kubelet sends it when the command ends, then closes). */
  status(status: unknown): void {
    this.send(CHANNEL.status, JSON.stringify(status));
  }

  /** A clean websocket close (close frame, status 1000), as the API server does after the status. */
  close(code = 1000): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code, 0);
    this.write(frame(OPCODE.close, payload));
    // The client answers with its own close frame, then we end the TCP connection (parse() does it); a client
    // that never answers is cut off.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** The connection drops: no close frame, no status (a proxy timeout, an API server restart). */
  drop(): void {
    this.socket.destroy();
  }

  private write(data: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(data);
  }

  private parse(): void {
    for (;;) {
      const buffer = this.buffered;
      if (buffer.length < 2) return;
      const first = buffer[0] ?? 0;
      const second = buffer[1] ?? 0;
      const fin = (first & 0x80) !== 0;
      const opcode = first & 0x0f;
      const masked = (second & 0x80) !== 0;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (!masked) {
        // RFC 6455 §5.1: a server must close the connection on an unmasked client frame.
        this.socket.destroy();
        return;
      }
      if (buffer.length < offset + 4 + length) return;
      const mask = buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(buffer.subarray(offset + 4, offset + 4 + length));
      for (let index = 0; index < payload.length; index += 1)
        payload[index] = (payload[index] ?? 0) ^ (mask[index % 4] ?? 0);
      this.buffered = buffer.subarray(offset + 4 + length);
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.close) {
      this.clientCloseFrame = true;
      if (!this.closeSent) {
        this.closeSent = true;
        this.write(frame(OPCODE.close, payload.subarray(0, 2)));
      }
      this.socket.end();
      this.changes.emit('change');
      return;
    }
    if (opcode === OPCODE.ping) {
      this.write(frame(OPCODE.pong, payload));
      return;
    }
    if (opcode === OPCODE.pong) return;
    if (opcode !== OPCODE.continuation) this.fragmentOpcode = opcode;
    this.fragments.push(payload);
    if (!fin) return;
    const message = Buffer.concat(this.fragments);
    this.fragments = [];
    if (this.fragmentOpcode !== OPCODE.binary || message.length === 0) return;
    const channel = message[0] ?? 0;
    const data = message.subarray(1);
    this.received.push({ channel, data });
    if (channel === CHANNEL.close && this.protocol === V5 && data[0] === CHANNEL.stdin) this.stdinClosed = true;
    this.changes.emit('change');
  }
}

/** The default "shell": exits 0 at once. */
export const exitAtOnce: ExecScript = (session) => {
  session.status(EXEC_SUCCESS);
  session.close();
};
