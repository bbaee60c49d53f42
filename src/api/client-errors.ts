import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { ApiError, GrpcCode } from './errors.ts';
import { lingeringClose } from './linger.ts';

// Errors of Node's HTTP parser (and its header/request timeouts) reach neither Fastify's
// router nor its error handler: Node emits 'clientError' with the raw socket. They get
// the same envelope as every other answer (CONTRACT §3), written by hand as HTTP/1.1.

/** Node/llhttp error code → the envelope we answer (docs/decisions.md, "HTTP edge"). */
export function clientErrorFor(code: string | undefined): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(GrpcCode.RESOURCE_EXHAUSTED, 'the request header section is larger than 16 KiB', {
        status: 431,
      });
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ApiError(GrpcCode.RESOURCE_EXHAUSTED, 'chunk extensions are larger than the limit', { status: 413 });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(GrpcCode.DEADLINE_EXCEEDED, 'the request was not received in time', { status: 408 });
    default:
      return new ApiError(GrpcCode.INVALID_ARGUMENT, `malformed HTTP request (${code ?? 'parse error'})`);
  }
}

/** A complete HTTP/1.1 answer carrying the envelope; the connection closes after it. */
export function rawEnvelopeResponse(err: ApiError): string {
  const body = JSON.stringify(err.toBody());
  const reason = http.STATUS_CODES[err.status] ?? 'Error';
  const extra = Object.entries(err.headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${err.status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`
  );
}

// Node's internals: the response in flight on this socket, if any.
interface HttpSocket extends Socket {
  _httpMessage?: { headersSent?: boolean } | null;
}

const answered = new WeakSet<Socket>();

/** Fastify's `clientErrorHandler`: answer once with the envelope, then close. */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket, log?: FastifyBaseLogger): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as HttpSocket)._httpMessage;
  // Never write into a socket that already carries (part of) an answer, or twice.
  if (!socket.writable || inFlight?.headersSent || answered.has(socket)) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  const apiErr = clientErrorFor(err.code);
  log?.debug({ code: err.code, status: apiErr.status }, 'client error');
  // Not destroy(): the answer leaves first, then the lingering close keeps reading what
  // the client still sends, so it can read the answer.
  socket.write(rawEnvelopeResponse(apiErr));
  lingeringClose(socket);
}
