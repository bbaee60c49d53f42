import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { checkTarget, isPrivateAddress } from '../../src/webhooks/address-guard.ts';
import { embeddedIPv4s } from '../../src/webhooks/ip-classify.ts';
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

  // Every spelling below is loopback, unspecified or documentation space, written plainly
  // or embedded in IPv6: each must be refused. Pure function calls; nothing is contacted.
  const REFUSED = [
    // IPv4 and plain IPv6
    ...['127.0.0.1', '127.255.255.254', '0.0.0.0', '192.0.2.1', '198.51.100.7', '203.0.113.9'],
    ...['::', '::1', '0:0:0:0:0:0:0:1', '0000:0000:0000:0000:0000:0000:0000:0001', '::1%lo', '::1%1'],
    ...['2001:db8::1', '2001:DB8:0:0:0:0:0:1', '3fff::1'],
    // IPv4-compatible ::/96 (the reported bypass: https://[::127.0.0.1] is hostname [::7f00:1])
    ...['::127.0.0.1', '::7f00:1', '::7F00:0001', '0:0:0:0:0:0:127.0.0.1', '::0.0.0.0', '::192.0.2.1', '::c000:201'],
    // IPv4-mapped ::ffff:0:0/96, in the URL-normalized hex form too
    ...['::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:7F00:1', '0:0:0:0:0:ffff:127.0.0.1', '::ffff:0.0.0.0'],
    '::ffff:c633:6407',
    // IPv4-translated ::ffff:0:0:0/96 (SIIT)
    ...['::ffff:0:127.0.0.1', '::ffff:0:7f00:1'],
    // NAT64 64:ff9b::/96, and the local-use 64:ff9b:1::/48 as a whole
    ...['64:ff9b::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b:0:0:0:0:7f00:1', '64:ff9b::', '64:ff9b::cb00:7109'],
    ...['64:ff9b:1::7f00:1', '64:ff9b:1:ffff::1'],
    // 6to4 2002::/16: IPv4 in bits 16-48
    ...['2002:7f00:1::', '2002:7f00:0001::1', '2002:7f00:1:ffff:ffff:ffff:ffff:ffff', '2002::1', '2002:c000:201::1'],
    // Teredo 2001::/32: server 192.0.2.1, client 127.0.0.1 / 0.0.0.0 (inverted bits)
    ...['2001:0:c000:201::80ff:fffe', '2001:0:c000:201:8000:f227:ffff:ffff'],
    // ISATAP interface ids
    ...['2001:db8::5efe:127.0.0.1', '2001:db8::200:5efe:7f00:1'],
  ];

  test('refuses loopback, unspecified and documentation addresses in every embedding', () => {
    for (const a of REFUSED) assert.equal(isPrivateAddress(a), true, a);
  });

  test('finds the IPv4 each embedding carries', () => {
    const cases: [string, string[]][] = [
      ['::7f00:1', ['127.0.0.1']],
      ['::ffff:7f00:1', ['127.0.0.1']],
      ['::ffff:0:7f00:1', ['127.0.0.1']],
      ['64:ff9b::c000:201', ['192.0.2.1']],
      ['2002:c633:6407::1', ['198.51.100.7']],
      ['2001:0:c000:201:8000:f227:80ff:fffe', ['192.0.2.1', '127.0.0.1']],
      ['2001:db8::200:5efe:cb00:7109', ['203.0.113.9']],
      ['2001:db8::1', []],
      ['::1%lo', ['0.0.0.1']],
    ];
    for (const [a, v4] of cases) assert.deepEqual(embeddedIPv4s(a), v4, a);
  });

  test('an embedding of a public IPv4 is judged by that IPv4, not refused wholesale', () => {
    // 8.8.8.8 as above: classification only, nothing is contacted.
    for (const a of ['::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1', '2001:0:808:808::f7f7:f7f7']) {
      assert.equal(isPrivateAddress(a), false, a);
    }
  });

  test('create-time check refuses every URL spelling of loopback (no DNS for these)', async () => {
    for (const url of [
      'https://[::127.0.0.1]/',
      'https://[0:0:0:0:0:0:127.0.0.1]/',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[64:ff9b::127.0.0.1]/',
      'https://[2002:7f00:1::1]:8443/',
      'https://[::]/',
      'https://127.1/',
      'https://0x7f000001/',
      'https://2130706433/',
      'https://0177.0.0.1/',
      'https://127.0.0.1./',
      'https://0/',
      'https://LOCALHOST/',
      'https://localhost./',
      'https://a.localhost./',
    ]) {
      assert.notEqual(await checkTarget(url, false), undefined, url);
    }
  });

  test('at delivery time a name resolving to loopback is refused, without contacting it', async () => {
    const rcv = await new Receiver().listen();
    receivers.push(rcv);
    const sender = new WebhookSender(false);
    const res = await sender.send(
      `https://localhost:${rcv.port}/hook`,
      Buffer.from('k'),
      'msg_x',
      '{}',
      'notification',
    );
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
    const res = await sender.send(redirector.url, Buffer.from('k'), 'msg_y', '{}', 'notification');
    await sender.close();
    assert.equal(res.ok, false);
    assert.equal(res.statusCode, 307);
    assert.match(res.error, /redirect not followed/);
    assert.equal(target.received.length, 0);
  });
});
