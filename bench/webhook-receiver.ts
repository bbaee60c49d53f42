// Webhook receiver for bench/webhooks.ts, in its own process so it does not take the
// server's CPU: answers 200 at once, counts deliveries, records arrival times on demand;
// echoes the handshake's challenge.
import http from 'node:http';

let count = 0;
const arrivals = new Map<string, number>();
let track = false;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    // The ownership handshake (WEBHOOK_VERIFY_TARGETS, on by default): echo the challenge.
    if (req.headers['x-message-type'] === 'webhook_callback_verification') {
      const { challenge } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { challenge: string };
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(challenge);
      return;
    }
    count++;
    if (track) {
      const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { id: string } }).data.id;
      if (!arrivals.has(id)) arrivals.set(id, at);
    }
    res.writeHead(200);
    res.end();
  });
});
server.keepAliveTimeout = 60_000;

process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') process.send?.({ count, arrivals: [...arrivals] });
  if (m.cmd === 'track') track = true;
  if (m.cmd === 'exit') server.close(() => process.exit(0));
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
