import { KryonixConfig, loadConfig } from '@kryonix/platform';
import { startDataPlane } from './server';

/** `node dist/data-plane.js`: serves until SIGINT/SIGTERM. A bad setting stops it at once (exit code 2). */
let config: KryonixConfig;
try {
  config = loadConfig(process.env, 'data-plane');
} catch (error) {
  process.stderr.write(`kryonix data plane: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
startDataPlane({ config })
  .then((server) => {
    process.stdout.write(`kryonix data plane listening on ${server.url}, metrics on ${server.metrics.url}\n`);
    const stop = () => void server.close().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    process.stderr.write(`kryonix data plane: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
