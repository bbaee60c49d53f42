import dns from 'node:dns';
import net from 'node:net';
import { isPrivateAddress } from './ip-classify.ts';

// CONTRACT §5: deliveries never reach private, loopback, link-local (or otherwise
// non-public) addresses unless the operator allows it. The check runs on every address
// a name resolves to, at connect time (so DNS rebinding between check and connect
// cannot slip through: the socket connects to the very address that was checked).
// Classification (including IPv4 embedded in IPv6) lives in ip-classify.ts.
export { isPrivateAddress };

export class TargetRefused extends Error {}

/** Strips IPv6 brackets from a URL hostname. */
const bare = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Validation at subscription create: https (http only when allowed), no credentials,
 * and when private targets are not allowed, no private literal or resolved address.
 * A name that does not resolve now is accepted; the connect-time guard re-checks.
 */
export async function checkTarget(target: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    return allowPrivate ? 'must be an http(s) URL' : 'must be an https URL';
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (allowPrivate) return undefined;
  const host = bare(url.hostname);
  if (net.isIP(host))
    return isPrivateAddress(host) ? 'must not be a private, loopback or link-local address' : undefined;
  // 'localhost.' (trailing dot) is the same name; refused here so it is never looked up.
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'must not be a loopback address';
  try {
    const addrs = await dns.promises.lookup(host, { all: true, verbatim: true });
    if (addrs.some((a) => isPrivateAddress(a.address))) {
      return 'resolves to a private, loopback or link-local address';
    }
  } catch {
    // Unresolvable now: not a reason to refuse; delivery checks again at connect time.
  }
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for sockets that fails when any resolved address is private. */
export function guardedLookup(hostname: string, options: dns.LookupOptions, callback: LookupCallback): void {
  dns.lookup(bare(hostname), { ...options, all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as dns.LookupAddress[];
    const bad = list.find((a) => isPrivateAddress(a.address));
    if (bad) {
      return callback(new TargetRefused(`${hostname} resolves to non-public address ${bad.address}`), []);
    }
    if (options.all) return callback(null, list);
    const first = list[0];
    if (!first) return callback(new TargetRefused(`${hostname} has no address`), []);
    callback(null, first.address, first.family);
  });
}

/** IP-literal hosts never go through lookup, so they are checked before connecting. */
export function literalRefused(target: URL): boolean {
  const host = bare(target.hostname);
  return net.isIP(host) !== 0 && isPrivateAddress(host);
}
