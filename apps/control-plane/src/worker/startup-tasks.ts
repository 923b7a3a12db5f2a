import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DatabaseConnector } from '@kryonix/platform';
import { GeneratedFiles } from '@kryonix/provisioning';
import { ApplySessionTimeoutsCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

/**
 * What the control plane tidies when it starts, in the background (serving does not wait):
 *  - tenant roles made before the session timeouts existed or changed get the configured ones;
 *  - staging folders of generated files left by a process killed mid-write (its pid gone) are removed.
 */
@Injectable()
export class StartupTasks implements OnApplicationBootstrap {
  private readonly logger = new Logger('startup');
  /** Both tasks, started at bootstrap (tests wait on it). */
  done: Promise<void> = Promise.resolve();

  constructor(
    private readonly commands: CommandBus,
    private readonly connector: DatabaseConnector,
    private readonly files: GeneratedFiles,
  ) {}

  onApplicationBootstrap(): void {
    const roles = this.commands.execute(new ApplySessionTimeoutsCommand()).then(
      (changed) => {
        if (changed.length) this.logger.log({ roles: changed.length }, 'session timeouts set on tenant roles made with other values');
      },
      (error: unknown) => reportPassFailure(this.logger, this.connector, error, 'could not set the session timeouts of tenant roles'),
    );
    const staging = this.files.sweepStaging().then(
      (removed) => {
        if (removed.length) this.logger.log({ folders: removed.length }, 'removed staging folders of generated files left by killed writes');
      },
      (error: unknown) => this.logger.warn({ err: error }, 'could not sweep the staging folders of generated files'),
    );
    this.done = Promise.all([roles, staging]).then(() => undefined);
  }
}
