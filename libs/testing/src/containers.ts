/**
 * The optional Docker path of the test setup: with KRYONIX_TEST_DOCKER=1 and a
 * reachable Docker engine, the shared PostgreSQL and every Redis a test file asks
 * for run in containers (testcontainers 11, the newest major that runs on Node 20)
 * instead of the embedded server and a local redis-server. Without an engine, or
 * without the setting, nothing here is loaded and the suite runs as it always does.
 */

/** Images: the PostgreSQL major of the embedded server; Redis as Debian ships it. */
export const POSTGRES_IMAGE = 'postgres:17-alpine';
export const REDIS_IMAGE = 'redis:7-alpine';

export type TestServers = { kind: 'docker'; runtime: string } | { kind: 'local'; reason?: string };

/** Which servers the tests use: `docker` only when asked for (KRYONIX_TEST_DOCKER=1) and an engine answers. */
export async function chooseTestServers(env: NodeJS.ProcessEnv = process.env): Promise<TestServers> {
  if (env.KRYONIX_TEST_DOCKER !== '1') return { kind: 'local' };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    const { host, operatingSystem, serverVersion } = client.info.containerRuntime;
    return { kind: 'docker', runtime: `${host} (${operatingSystem}, server ${serverVersion})` };
  } catch (error) {
    return { kind: 'local', reason: firstLine(error) };
  }
}

/** The one line the setup prints about the path it took (none on the default path). */
export function describeTestServers(servers: TestServers): string | undefined {
  if (servers.kind === 'docker') return `test servers: PostgreSQL (${POSTGRES_IMAGE}) and Redis (${REDIS_IMAGE}) in Docker containers via testcontainers, engine at ${servers.runtime}`;
  if (servers.reason) return `test servers: KRYONIX_TEST_DOCKER=1 but no Docker engine is reachable (${servers.reason}); using the embedded PostgreSQL and a local redis-server`;
  return undefined;
}

export interface ContainerServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The shared test PostgreSQL in a container; its superuser is what the tests connect as. */
export async function startPostgresContainer(): Promise<ContainerServer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const started = await new PostgreSqlContainer(POSTGRES_IMAGE).withDatabase('postgres').withUsername('postgres').withPassword('postgres').start();
  return { url: started.getConnectionUri().replace(/^postgres:/, 'postgresql:'), port: started.getPort(), stop: async () => void (await started.stop()) };
}

/** A Redis in a container, on `port` of this host when given (the same server again after a stop), else on a free one. */
export async function startRedisContainer(port?: number): Promise<ContainerServer> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = new RedisContainer(REDIS_IMAGE).withCommand(['redis-server', '--save', '', '--appendonly', 'no']);
  const started = await (port ? container.withExposedPorts({ container: 6379, host: port }) : container).start();
  const mapped = started.getPort();
  return { url: `redis://${started.getHost()}:${mapped}`, port: mapped, stop: async () => void (await started.stop()) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
}
