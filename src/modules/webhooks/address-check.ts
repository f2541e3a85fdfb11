// Refuses endpoints that point into private networks (SSRF): loopback, RFC 1918, link-local (cloud
// metadata at 169.254.169.254), carrier-grade NAT, unique-local IPv6, multicast and reserved ranges.
// The check runs on every address the name resolves to, at registration and again at each send,
// and the send connects to the address that was checked (no second lookup a rebinding DNS could answer).
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['100::', 64],
] as const) blocked.addSubnet(net, bits, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // an IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return blocked.check(address, 'ipv4');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export class UnsafeAddressError extends Error {}

/** The addresses `host` resolves to; throws UnsafeAddressError when one is private (unless allowed) or none resolves. */
export async function resolveSafely(host: string, allowPrivate: boolean): Promise<ResolvedAddress[]> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  let addresses: ResolvedAddress[];
  if (isIP(bare)) addresses = [{ address: bare, family: isIP(bare) as 4 | 6 }];
  else {
    try {
      addresses = (await dnsLookup(bare, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
    } catch {
      throw new UnsafeAddressError(`the host ${bare} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new UnsafeAddressError(`the host ${bare} does not resolve`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) throw new UnsafeAddressError(`the host ${bare} resolves to a private, loopback or link-local address (${bad.address})`);
  }
  return addresses;
}
