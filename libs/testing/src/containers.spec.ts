import { existsSync } from 'node:fs';
import { freePort } from './ports';
import { chooseTestServers, describeTestServers } from './containers';

describe('the test servers: embedded by default, Docker containers on request', () => {
  it('without KRYONIX_TEST_DOCKER=1 the local servers are used and nothing is said', async () => {
    for (const value of [undefined, '', '0']) {
      const servers = await chooseTestServers({ KRYONIX_TEST_DOCKER: value });
      expect(servers).toEqual({ kind: 'local' });
      expect(describeTestServers(servers)).toBeUndefined();
    }
  });

  const engineHere = existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);
  (engineHere ? it.skip : it)('with KRYONIX_TEST_DOCKER=1 and no reachable engine it falls back to the local servers, saying why in one line', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${await freePort()}`; // nothing listens there
    try {
      const servers = await chooseTestServers({ KRYONIX_TEST_DOCKER: '1' });
      expect(servers.kind).toBe('local');
      const line = describeTestServers(servers)!;
      expect(line).toMatch(/^test servers: KRYONIX_TEST_DOCKER=1 but no Docker engine is reachable \(.+\); using the embedded PostgreSQL and a local redis-server$/);
      expect(line).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('names the images and the engine when it takes the Docker path', () => {
    expect(describeTestServers({ kind: 'docker', runtime: 'localhost (Docker Desktop, server 27)' })).toBe(
      'test servers: PostgreSQL (postgres:17-alpine) and Redis (redis:7-alpine) in Docker containers via testcontainers, engine at localhost (Docker Desktop, server 27)',
    );
  });
});
