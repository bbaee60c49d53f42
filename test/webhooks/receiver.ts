import http from 'node:http';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** The challenge's own text, as a target that owns the URL answers it (CONTRACT-LIVE-API §7). */
export const echoChallenge = (r: Received): Reply => ({
  status: 200,
  headers: { 'content-type': 'text/plain' },
  body: (JSON.parse(r.body) as { challenge: string }).challenge,
});

/**
 * A real webhook receiver on 127.0.0.1: records every request, answers with `reply`.
 * Requests are sorted by their X-Message-Type: `received` holds the notifications (events),
 * `challenges` and `revocations` the handshake's; `all` every request in arrival order.
 * By default it echoes challenges, as a subscriber following the docs does.
 */
export class Receiver {
  readonly all: Received[] = [];
  readonly received: Received[] = [];
  readonly challenges: Received[] = [];
  readonly revocations: Received[] = [];
  /** Answer to the n-th notification. */
  reply: (req: Received, n: number) => Reply = () => ({ status: 200 });
  /** Answer to the n-th challenge (default: echo it). */
  onChallenge: (req: Received, n: number) => Reply = echoChallenge;
  onRevocation: (req: Received, n: number) => Reply = () => ({ status: 200 });
  private readonly server: http.Server;
  private readonly hanging = new Set<http.ServerResponse>();
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        const r: Received = { headers: req.headers, body, at: Date.now() };
        this.all.push(r);
        let answer: Reply;
        const type = req.headers['x-message-type'];
        if (type === 'webhook_callback_verification') {
          this.challenges.push(r);
          answer = this.onChallenge(r, this.challenges.length);
        } else if (type === 'revocation') {
          this.revocations.push(r);
          answer = this.onRevocation(r, this.revocations.length);
        } else {
          this.received.push(r);
          answer = this.reply(r, this.received.length);
        }
        if (answer === 'hang') {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? 'ok');
      });
    });
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
    return this;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Waits until `n` notifications arrived (challenges and revocations are not counted). */
  async waitFor(n: number, timeoutMs = 20_000, list: Received[] = this.received): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (list.length < n) {
      if (Date.now() > deadline) throw new Error(`receiver got ${list.length} of ${n} requests`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return list;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
