import type { Socket } from 'node:net';

/**
 * After an answer that closes the connection while the client may still be sending
 * (a refused body, a parse error), the server keeps reading and discarding for at most
 * this long. Closing a socket with unread data makes the kernel send a reset, and a
 * client still writing then gets EPIPE/ECONNRESET instead of the answer (issue 9 F7).
 * nginx calls this a lingering close.
 */
export const LINGER_MS = 5000;

const lingering = new WeakSet<Socket>();

/** Half-closes `socket` (the answer is sent) and destroys it when the client closes or after LINGER_MS. */
export function lingeringClose(socket: Socket): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  if (!socket.writableEnded) socket.end();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // The client read the answer and closed: nothing more to drain (a client that had
  // half-closed already needs nothing: net.Socket destroys itself once both sides ended).
  socket.once('end', () => socket.destroy());
  // Whatever still arrives is read (by the HTTP parser when it owns the socket) and dropped.
  socket.resume();
}
