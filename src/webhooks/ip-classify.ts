import net from 'node:net';

// Address classification for the webhook guard (CONTRACT §5). IPv6 has several ways to
// carry an IPv4 address (IPv4-compatible, mapped, translated, NAT64, 6to4, Teredo,
// ISATAP); traffic to such an address can end up at the IPv4 it embeds, so each one is
// judged by that IPv4 as well as by its own range. ipaddr.js would do part of this but
// is only a transitive dependency here, so this is a small parser with a table test
// (test/webhooks/guard-signing.test.ts).

/** IPv4 ranges that are not globally reachable (IANA special-purpose registry, plus 6to4 relay anycast). */
const BLOCKED_V4: readonly [string, number][] = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated): forwards to embedded addresses
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

/**
 * IPv6 ranges refused outright. Everything outside 2000::/3 is refused as well (see
 * isPrivateAddress), so this lists only the non-global blocks inside it plus the
 * embeddings whose IPv4 position is not fixed.
 */
const BLOCKED_V6: readonly [string, number][] = [
  ['2001::', 23], // IETF protocol assignments (Teredo 2001::/32 is judged by its IPv4s first)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['5f00::', 16], // SRv6 SIDs (RFC 9602)
];

/** Outside 2000::/3 (global unicast) but judged by their embedded IPv4 instead of refused. */
const V4_EMBEDDING_V6: readonly [string, number][] = [
  ['::', 96], // IPv4-compatible (deprecated), includes :: and ::1
  ['::ffff:0:0', 96], // IPv4-mapped
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT, RFC 2765)
  ['64:ff9b::', 96], // NAT64 well-known prefix
];
/** Local-use NAT64 (RFC 8215): the operator picks where the IPv4 sits, so refuse all of it. */
const LOCAL_NAT64: readonly [string, number] = ['64:ff9b:1::', 48];

const blocked4 = new net.BlockList();
for (const [a, bits] of BLOCKED_V4) blocked4.addSubnet(a, bits, 'ipv4');

/** Parses an IPv6 address (optionally with a %zone, optionally ending in dotted IPv4) into 16 bytes. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  const text = address.replace(/%.*$/, '');
  if (net.isIPv6(text) === false) return undefined;
  let head = text;
  const tail: number[] = [];
  const dotted = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = ipv4Bytes(dotted[1]);
    if (!v4) return undefined;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    head = text.slice(0, text.length - dotted[1].length);
    // Keep a '::' that precedes the IPv4 part; drop a single separating ':'.
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const gap = head.indexOf('::');
  let words: number[];
  if (gap >= 0) {
    const left = groups(head.slice(0, gap));
    const right = [...groups(head.slice(gap + 2)), ...tail];
    words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    words = [...groups(head), ...tail];
  }
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

type Quad = [number, number, number, number];

function ipv4Bytes(address: string): Quad | undefined {
  if (!net.isIPv4(address)) return undefined;
  return address.split('.').map(Number) as Quad;
}

const quad = (b: Uint8Array, at: number, xor = 0): string =>
  [0, 1, 2, 3].map((i) => ((b[at + i] ?? 0) ^ xor) & 0xff).join('.');

/** True when the first `bits` bits of `b` equal those of the IPv6 prefix `net6`. */
function inPrefix(b: Uint8Array, [net6, bits]: readonly [string, number]): boolean {
  const p = ipv6Bytes(net6) as Uint8Array;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((b[byte] ?? 0) & mask) !== ((p[byte] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 addresses an IPv6 address carries (those traffic to it may reach). */
export function embeddedIPv4s(address: string): string[] {
  const b = ipv6Bytes(address);
  if (!b) return [];
  if (V4_EMBEDDING_V6.some((p) => inPrefix(b, p))) return [quad(b, 12)];
  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD in bits 16-48.
  if (inPrefix(b, ['2002::', 16])) return [quad(b, 2)];
  // Teredo: 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC, server IPv4 in bits 32-64, client IPv4
  // in the last 32 bits with every bit inverted.
  if (inPrefix(b, ['2001::', 32])) return [quad(b, 4), quad(b, 12, 0xff)];
  // ISATAP interface id ::0:5efe:a.b.c.d or ::200:5efe:a.b.c.d, under any prefix.
  if ((b[8] === 0 || b[8] === 2) && b[9] === 0 && b[10] === 0x5e && b[11] === 0xfe) return [quad(b, 12)];
  return [];
}

/** True for anything that is not a globally reachable unicast address (and for non-addresses). */
export function isPrivateAddress(address: string): boolean {
  const text = address.replace(/%.*$/, '');
  if (net.isIPv4(text)) return blocked4.check(text, 'ipv4');
  const b = ipv6Bytes(text);
  if (!b) return true; // not an IP at all: refuse rather than guess
  const v4 = embeddedIPv4s(text);
  if (v4.some((a) => blocked4.check(a, 'ipv4'))) return true;
  if (V4_EMBEDDING_V6.some((p) => inPrefix(b, p))) return false; // judged by its IPv4 alone
  if (inPrefix(b, LOCAL_NAT64)) return true;
  if (inPrefix(b, ['2001::', 32])) return false; // Teredo with public IPv4s
  // Global unicast is 2000::/3; the rest (ULA fc00::/7, link-local fe80::/10, site-local,
  // multicast ff00::/8, discard 100::/64, unassigned space) is never a webhook target.
  if (!inPrefix(b, ['2000::', 3])) return true;
  return BLOCKED_V6.some((p) => inPrefix(b, p));
}
