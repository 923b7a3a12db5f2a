import type { Logger } from '@nestjs/common';
import { isServerAway } from '@kryonix/domain';
import type { DatabaseConnector } from '@kryonix/platform';

/**
 * How a background pass (jobs, purges, metrics) reports a failure: a database server
 * that is away goes to the connector's outage log (one warning per outage, one line
 * when it is back), so a worker polling every half second does not flood the log;
 * anything else is logged as the error it is. The worker carries on either way.
 */
export function reportPassFailure(logger: Logger, connector: DatabaseConnector, error: unknown, message: string): void {
  if (isServerAway(error)) connector.outage.failed(error);
  else logger.error({ err: error }, message);
}
