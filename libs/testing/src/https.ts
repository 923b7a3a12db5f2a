import { request } from 'node:https';

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One HTTPS request to a local server with a chosen Host (tenant subdomain),
 * trusting the given self-signed certificate.
 */
export function httpsRequest(opts: { port: number; host: string; method?: string; path: string; headers?: Record<string, string>; body?: unknown; ca: string | Buffer; servername?: string }): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      {
        host: '127.0.0.1',
        port: opts.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        servername: opts.servername ?? opts.host,
        ca: opts.ca,
        headers: { host: opts.host, ...(payload ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: /json/.test(String(res.headers['content-type'])) && text ? JSON.parse(text) : text || undefined }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
