import { startControlPlane } from './server';

/** `node dist/control-plane.js`: serves until SIGINT/SIGTERM, then closes cleanly. */
startControlPlane()
  .then((server) => {
    process.stdout.write(`kryonix control plane listening on ${server.url}\n`);
    const stop = () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  })
  .catch((error: unknown) => {
    process.stderr.write(`kryonix control plane: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
