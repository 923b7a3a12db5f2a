import fastify from 'fastify';
import type { Registry } from 'prom-client';
import { NotFound } from '@kryonix/domain';
import type { AuthFailureLimiter } from './auth-failure-limiter';
import { describe, sendError, type Reply } from './domain-exception.filter';
import { assertMetricsAccess } from './metrics-token';
import { answerFrameworkError, installRequestHygiene } from './request-hygiene';

export interface MetricsListenerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  registry: Registry;
  /** KRYONIX_METRICS_TOKEN: when set, a scrape must carry it as a bearer token. */
  token?: string;
  limiter: AuthFailureLimiter;
}

export interface MetricsListener {
  host: string;
  /** The port it listens on (the one the OS picked for 0). */
  port: number;
  /** Where Prometheus scrapes: http://<host>:<port>/metrics. */
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /metrics` on a listener of its own, apart from the port tenants reach (the metrics
 * name tenants): plain HTTP on loopback by default, or on a private network such as the
 * compose network. Every other path is 404; requests get the same hygiene as the servers'.
 */
export async function startMetricsListener(options: MetricsListenerOptions): Promise<MetricsListener> {
  const server = fastify({ bodyLimit: 64 * 1024, frameworkErrors: answerFrameworkError });
  installRequestHygiene(server);
  server.setErrorHandler((error, _request, reply) => sendError(reply as unknown as Reply, error, describe(error)));
  server.setNotFoundHandler((request, reply) => sendError(reply as unknown as Reply, new NotFound(`No route ${request.method} ${request.url.split('?')[0]} (only GET /metrics here).`)));
  server.get('/metrics', async (request, reply) => {
    assertMetricsAccess(request, options.token, options.limiter);
    const text = await options.registry.metrics();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });
  await server.listen({ host: options.host, port: options.port });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    host: options.host,
    port,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/metrics`,
    close: () => server.close(),
  };
}
