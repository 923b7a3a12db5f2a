/** localhost and every name under it are loopback (RFC 6761), as browsers and curl resolve them. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
