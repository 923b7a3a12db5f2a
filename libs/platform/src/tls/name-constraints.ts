/**
 * The X.509 name constraints extension (RFC 5280 4.2.1.10) of the local CA, in DER: which
 * names its leaves may carry. Only the permitted subtrees Kryonix writes are supported
 * (dNSName and iPAddress), which is also all that `permittedDnsNames` reads back.
 */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

export interface PermittedNames {
  /** `localhost` permits `localhost` and every `*.localhost`. */
  dns: readonly string[];
  /** IPv4 or IPv6 address with its mask, e.g. 127.0.0.0/8. */
  ipRanges: ReadonlyArray<{ address: readonly number[]; mask: readonly number[] }>;
}

const SEQUENCE = 0x30;
const PERMITTED = 0xa0; // [0] IMPLICIT GeneralSubtrees
const DNS_NAME = 0x82; // [2] IMPLICIT IA5String
const IP_ADDRESS = 0x87; // [7] IMPLICIT OCTET STRING

export function encodeNameConstraints(names: PermittedNames): Buffer {
  const subtrees = [
    ...names.dns.map((d) => tlv(SEQUENCE, tlv(DNS_NAME, Buffer.from(d, 'ascii')))),
    ...names.ipRanges.map((r) => tlv(SEQUENCE, tlv(IP_ADDRESS, Buffer.from([...r.address, ...r.mask])))),
  ];
  return tlv(SEQUENCE, tlv(PERMITTED, Buffer.concat(subtrees)));
}

/** The permitted DNS names of an extension value written by encodeNameConstraints (undefined if it is not one). */
export function permittedDnsNames(der: Uint8Array): string[] | undefined {
  const outer = read(Buffer.from(der), 0);
  if (outer?.tag !== SEQUENCE) return undefined;
  const permitted = read(outer.content, 0);
  if (permitted?.tag !== PERMITTED) return undefined;
  const names: string[] = [];
  for (let at = 0; at < permitted.content.length; ) {
    const subtree = read(permitted.content, at);
    if (subtree?.tag !== SEQUENCE) return undefined;
    const base = read(subtree.content, 0);
    if (!base) return undefined;
    if (base.tag === DNS_NAME) names.push(base.content.toString('ascii'));
    at = subtree.end;
  }
  return names;
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), content]);
}

function read(buf: Buffer, at: number): { tag: number; content: Buffer; end: number } | undefined {
  if (at + 2 > buf.length) return undefined;
  const tag = buf[at]!;
  let length = buf[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 2 || start + bytes > buf.length) return undefined;
    length = bytes === 1 ? buf[start]! : (buf[start]! << 8) | buf[start + 1]!;
    start += bytes;
  }
  const end = start + length;
  return end > buf.length ? undefined : { tag, content: buf.subarray(start, end), end };
}
