import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerFactory } from 'fastify';
import { ApiError, GrpcCode } from './errors.ts';
import { lingeringClose } from './linger.ts';

// The Node HTTP server under Fastify, built here so the edge limits live in one place:
// header/request/idle timeouts, a cap on connections per client address, `Expect:
// 100-continue` answered only once the request passed its checks, and a lingering close.

/** Node's default, stated so the README and the 431 message can name it. */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * Longest path parameter the router takes (decoded characters): ingest caps every id at
 * 128 now, but step ids stored before the caps could reach 1,024, and they stay readable.
 */
export const MAX_PARAM_LENGTH = 1024;

export interface EdgeLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** A socket silent both ways this long is closed (e.g. a client that stopped reading). */
  socketIdleTimeoutMs: number;
  /** 0 = no cap. */
  maxConnectionsPerClient: number;
}

const awaitingContinue = new WeakSet<http.IncomingMessage>();

/**
 * Sends `100 Continue` to a client waiting for it. Called once the request passed
 * authentication and the body checks (size, content type), so a refused request gets
 * its final answer instead and the client never sends the body.
 */
export function sendContinueIfAwaited(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (awaitingContinue.delete(req) && !res.headersSent) res.writeContinue();
}

function refuseOverCap(res: http.ServerResponse, cap: number): void {
  const err = new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `more than ${cap} open connections from this address`, {
    status: 429,
  });
  const body = JSON.stringify(err.toBody());
  res.writeHead(429, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'retry-after': '1',
    connection: 'close',
  });
  res.end(body);
}

/** Counts open connections per remote address; returns the sockets over the cap. */
function trackConnections(server: http.Server, cap: number): WeakSet<Socket> {
  const overCap = new WeakSet<Socket>();
  if (cap <= 0) return overCap;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const key = socket.remoteAddress;
    if (key === undefined) return;
    const n = (open.get(key) ?? 0) + 1;
    open.set(key, n);
    // Over the cap the connection still gets an answer (429 to its first request) rather
    // than a bare close, so the client can tell why; it lives at most the headers timeout.
    if (n > cap) overCap.add(socket);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left <= 0) open.delete(key);
      else open.set(key, left);
    });
  });
  return overCap;
}

export function edgeServerFactory(limits: EdgeLimits): FastifyServerFactory {
  return (handler) => {
    // Node refuses a headers timeout longer than the request timeout.
    const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
    const server = http.createServer({
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      // Node enforces the two timeouts above only when it checks (default every 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 4))),
    });
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(limits.socketIdleTimeoutMs);
    const overCap = trackConnections(server, limits.maxConnectionsPerClient);
    const route = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (overCap.has(req.socket)) refuseOverCap(res, limits.maxConnectionsPerClient);
      else handler(req, res);
    };
    server.on('request', route);
    // With a listener here Node no longer sends `100 Continue` on its own.
    server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      awaitingContinue.add(req);
      route(req, res);
    });
    server.on('connection', (socket: Socket) => {
      // Node closes a `Connection: close` answer's socket with destroySoon(); linger instead.
      socket.destroySoon = () => lingeringClose(socket);
    });
    return server;
  };
}
