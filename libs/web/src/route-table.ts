import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  url: string;
}

/**
 * The routes a server registers, as Fastify sees them (HEAD twins included): filled
 * while the app initialises, so call before it listens. Tests walk every route from it,
 * and a route added later is covered without being named anywhere.
 */
export function recordRoutes(fastify: FastifyInstance): readonly RouteEntry[] {
  const routes: RouteEntry[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  return routes;
}
