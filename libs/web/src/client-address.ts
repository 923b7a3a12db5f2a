import { BlockList, isIP } from 'node:net';

/** What the client address is read from: Fastify's request (or its raw Node request). */
export interface PeerRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string };
  raw?: { socket?: { remoteAddress?: string } };
}

/**
 * Who sent a request, for counting wrong secrets per client: the peer of the TCP
 * connection, unless that peer is one of KRYONIX_TRUSTED_PROXIES; then `X-Forwarded-For`
 * is read from the right (what the nearest proxy appended) past every trusted proxy, and
 * the first address that is not one is the client. A header from anybody else is ignored:
 * it is whatever the client chose to write.
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  /** `proxies`: IP addresses or CIDR ranges (KRYONIX_TRUSTED_PROXIES, already checked by the settings). */
  constructor(proxies: readonly string[] = []) {
    for (const entry of proxies) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(bits), family);
    }
    this.any = proxies.length > 0;
  }

  of(request: PeerRequest): string {
    const peer = normalise(request.socket?.remoteAddress ?? request.raw?.socket?.remoteAddress);
    // A socket already closed has no address left: such requests share one bucket.
    if (!peer) return 'unknown';
    if (!this.any || !this.isTrusted(peer)) return peer;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalise(hops[i]);
      // Not an address: the proxy did not write it, so the last trustworthy hop is the client.
      if (!hop) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }

  private isTrusted(address: string): boolean {
    return this.trusted.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}

/** An IP address as one spelling (IPv4-mapped IPv6 as IPv4, brackets and zone dropped); undefined when it is none. */
function normalise(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let address = value.trim();
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']') > 0 ? address.indexOf(']') : undefined);
  address = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  return isIP(address) ? address.toLowerCase() : undefined;
}
