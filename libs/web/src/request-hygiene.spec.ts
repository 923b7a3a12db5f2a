import { matchesRoute } from './request-hygiene';

/** The one shape of installRequestHygiene's streamRoutes and formRoutes. */
describe('matchesRoute', () => {
  const req = (method: string, routed: string | undefined, raw: string) => ({ method, routeOptions: { url: routed }, raw: { url: raw } }) as unknown as Parameters<typeof matchesRoute>[1];

  it('`METHOD /url` is that route only, as routed', () => {
    expect(matchesRoute(['POST /v1/backups'], req('POST', '/v1/backups', '/v1/backups?x=1'))).toBe(true);
    expect(matchesRoute(['POST /v1/backups'], req('PUT', '/v1/backups', '/v1/backups'))).toBe(false);
    expect(matchesRoute(['POST /v1/backups'], req('POST', '/v1/backups/:id/download', '/v1/backups/a/download'))).toBe(false);
    expect(matchesRoute(['POST /v1/tenants/:id/x'], req('POST', '/v1/tenants/:id/x', '/v1/tenants/acme/x'))).toBe(true);
  });

  it('`* /prefix/*` is the path and every route under it, any method; not a longer name', () => {
    const console = ['* /console/*'];
    expect(matchesRoute(console, req('POST', '/console', '/console'))).toBe(true);
    expect(matchesRoute(console, req('POST', '/console/tenants/:id/suspend', '/console/tenants/a/suspend'))).toBe(true);
    expect(matchesRoute(console, req('GET', undefined, '/console/nowhere?q=1'))).toBe(true); // not routed: its path
    expect(matchesRoute(console, req('POST', '/consoles', '/consoles'))).toBe(false);
    expect(matchesRoute(console, req('POST', '/v1/tenants', '/v1/tenants'))).toBe(false);
    expect(matchesRoute([], req('POST', '/console', '/console'))).toBe(false);
  });
});
