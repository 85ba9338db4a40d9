/**
 * Every connection of the HTTPS server, from the TCP accept (before TLS) to its close: what bounds how long
 * a connection may hold a file descriptor and memory, and how SIGTERM ends each kind without losing a
 * request that reached the server.
 *
 * - A connection must finish TLS and send its first request's headers within `headersTimeoutMs`; Node's own
 *   timeouts only start once TLS is done and a request began, so a client that connects and says nothing
 *   (with or without TLS) would otherwise hold its socket forever.
 * - A response handed to the socket must be flushed within `writeTimeoutMs`: a client that never reads a
 *   large answer does not pin it in memory.
 * - On shutdown, connections that never carried a request (pre-TLS, or TLS and silent) end at once; a request
 *   in progress and any request that still arrives are answered with `Connection: close`; a keep-alive
 *   connection between requests is closed once it has been quiet for `drainQuietMs`, so that a request the
 *   client sent just before it saw the close is read and answered rather than reset.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

export interface ConnectionTimeouts {
  /** From the TCP accept to the first request's headers (TLS handshake included). */
  headersTimeoutMs: number;
  /** From the end of a response handed to the socket to it being flushed to the client. */
  writeTimeoutMs: number;
  /** On shutdown, how long a keep-alive connection must have been quiet before it is closed. */
  drainQuietMs: number;
}

interface Connection {
  /** The TCP socket, and the TLS socket over it once the handshake is done (destroying that one ends both). */
  readonly socket: Socket;
  tls: Socket | undefined;
  /** Requests read and not yet answered. */
  active: Set<ServerResponse>;
  /** Responses finished on it. */
  served: number;
  /** When it last finished a response (performance.now()). */
  quietSince: number;
  firstRequestTimer: NodeJS.Timeout | undefined;
}

export interface ConnectionTracker {
  /** Open connections, TLS or not. */
  size(): number;
  /** Stops keep-alive: in-progress and new requests get `Connection: close`; idle connections end as described. */
  drain(): void;
  /** Destroys every connection (the shutdown deadline). */
  destroyAll(): void;
}

/** Remote address and port: unique among the open connections of one listening socket, TLS or raw. */
function keyOf(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${String(socket.remotePort ?? '')}`;
}

/**
 * Tracks the connections of `server`. Call before the app's request listener is added, so that a
 * `Connection: close` set here precedes any response the app writes synchronously.
 */
export function trackConnections(server: HttpsServer, timeouts: ConnectionTimeouts): ConnectionTracker {
  const connections = new Map<string, Connection>();
  let draining = false;
  let sweep: NodeJS.Timeout | undefined;

  const end = (connection: Connection): void => {
    (connection.tls ?? connection.socket).destroy();
  };

  const closeIfIdle = (connection: Connection, now: number): void => {
    if (connection.active.size > 0) return;
    if (connection.served === 0 || now - connection.quietSince >= timeouts.drainQuietMs) end(connection);
  };

  server.on('connection', (socket: Socket) => {
    const key = keyOf(socket);
    const connection: Connection = {
      socket,
      tls: undefined,
      active: new Set(),
      served: 0,
      quietSince: performance.now(),
      firstRequestTimer: undefined,
    };
    if (draining) {
      // Accepted just before the listener closed: nothing was asked on it yet.
      socket.destroy();
      return;
    }
    connection.firstRequestTimer = setTimeout(() => {
      if (connection.served === 0 && connection.active.size === 0) end(connection);
    }, timeouts.headersTimeoutMs).unref();
    connections.set(key, connection);
    socket.once('close', () => {
      clearTimeout(connection.firstRequestTimer);
      if (connections.get(key) === connection) connections.delete(key);
    });
  });

  server.on('secureConnection', (tlsSocket: Socket) => {
    const connection = connections.get(keyOf(tlsSocket));
    if (connection !== undefined) connection.tls = tlsSocket;
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const connection = connections.get(keyOf(req.socket));
    if (connection === undefined) return;
    clearTimeout(connection.firstRequestTimer);
    connection.active.add(res);
    if (draining) res.setHeader('Connection', 'close');
    let writeTimer: NodeJS.Timeout | undefined;
    // 'prefinish': the whole response is queued on the socket; 'finish': flushed to the kernel.
    res.once('prefinish', () => {
      writeTimer = setTimeout(() => res.socket?.destroy(), timeouts.writeTimeoutMs).unref();
    });
    const done = (): void => {
      clearTimeout(writeTimer);
      if (!connection.active.delete(res)) return;
      connection.served += 1;
      connection.quietSince = performance.now();
    };
    res.once('finish', done);
    res.once('close', done);
  });

  return {
    size: () => connections.size,
    drain: () => {
      if (draining) return;
      draining = true;
      const now = performance.now();
      for (const connection of connections.values()) {
        for (const res of connection.active) if (!res.headersSent) res.setHeader('Connection', 'close');
        closeIfIdle(connection, now);
      }
      sweep = setInterval(() => {
        const later = performance.now();
        for (const connection of connections.values()) closeIfIdle(connection, later);
        if (connections.size === 0) clearInterval(sweep);
      }, 25);
      sweep.unref();
    },
    destroyAll: () => {
      clearInterval(sweep);
      for (const connection of connections.values()) end(connection);
    },
  };
}
