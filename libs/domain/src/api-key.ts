/** API keys look like sk_<tenant id>_<32 lowercase hex>. */
export const API_KEY_PATTERN = /^sk_([a-z][a-z0-9-]{1,38}[a-z0-9])_([0-9a-f]{32})$/;

export function tenantIdFromApiKey(key: string): string | undefined {
  return API_KEY_PATTERN.exec(key)?.[1];
}
