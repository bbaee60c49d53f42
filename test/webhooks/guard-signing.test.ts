import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { isPrivateAddress } from '../../src/webhooks/address-guard.ts';
import { WebhookSender } from '../../src/webhooks/sender.ts';
import { signatureHeaders, signingKey } from '../../src/webhooks/signing.ts';
import { Receiver } from './receiver.ts';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

describe('signing', () => {
  test('matches the Standard Webhooks reference test vector', () => {
    // From the standard-webhooks spec's JavaScript library tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const msgId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const ts = 1614265330;
    const body = '{"test": 2432232314}';
    const h = signatureHeaders(signingKey(secret), msgId, ts, body);
    assert.equal(h['webhook-signature'], 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.equal(new Webhook(secret).sign(msgId, new Date(ts * 1000), body), h['webhook-signature']);
  });

  test('a secret without whsec_ is keyed by its UTF-8 bytes', () => {
    const secret = 'plain-sécret';
    const now = Math.floor(Date.now() / 1000);
    const h = signatureHeaders(signingKey(secret), 'msg_1', now, '{}');
    const wh = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' });
    assert.deepEqual(wh.verify('{}', h), {});
  });
});

describe('address guard', () => {
  test('classifies addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.5',
      '172.16.3.4',
      '192.168.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fc00::2',
      '::ffff:10.0.0.1',
      '100.64.0.1',
    ]) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(a), false, a);
    }
  });

  test('at delivery time a name resolving to loopback is refused, without contacting it', async () => {
    const rcv = await new Receiver().listen();
    receivers.push(rcv);
    const sender = new WebhookSender(false);
    const res = await sender.send(`https://localhost:${rcv.port}/hook`, Buffer.from('k'), 'msg_x', '{}');
    await sender.close();
    assert.equal(res.ok, false);
    assert.match(res.error, /address guard/);
    assert.equal(rcv.received.length, 0);
  });

  test('redirects are not followed', async () => {
    const target = await new Receiver().listen();
    const redirector = await new Receiver().listen();
    receivers.push(target, redirector);
    redirector.reply = () => ({ status: 307, headers: { location: target.url } });
    const sender = new WebhookSender(true);
    const res = await sender.send(redirector.url, Buffer.from('k'), 'msg_y', '{}');
    await sender.close();
    assert.equal(res.ok, false);
    assert.equal(res.statusCode, 307);
    assert.match(res.error, /redirect not followed/);
    assert.equal(target.received.length, 0);
  });
});
