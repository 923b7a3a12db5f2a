import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DatabaseConnector } from '@kryonix/platform';
import { GeneratedFiles } from '@kryonix/provisioning';
import { ApplySessionTimeoutsCommand, IssueTenantCertificatesCommand, RefreshTenantFilesCommand } from '@kryonix/tenants';
import { reportPassFailure } from './worker-errors';

/**
 * What the control plane tidies when it starts, in the background (serving does not wait):
 *  - tenant roles made before the session timeouts existed or changed get the configured ones;
 *  - staging folders of generated files left by a process killed mid-write (its pid gone) are removed;
 *  - the generated files of every tenant are rewritten when the tenant URL or the backup schedule's alerts changed.
 * And one before it listens: where the local CA is in use, every tenant gets its leaf
 * certificate (missing, near expiry, from another CA), so that a data plane started after it
 * (`kryonix up`) serves each tenant with its own certificate from the first request.
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

  async onApplicationBootstrap(): Promise<void> {
    await this.commands.execute(new IssueTenantCertificatesCommand()).then(
      (pass) => {
        const changed = { issued: pass.issued.length, renewed: pass.renewed.length, removed: pass.removed.length };
        if (changed.issued || changed.renewed || changed.removed) this.logger.log(changed, 'leaf certificates of tenants brought up to date (local CA)');
      },
      (error: unknown) => reportPassFailure(this.logger, this.connector, error, 'could not issue the leaf certificates of tenants (local CA)'),
    );
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
    // after the sweep: both write in the staging folder
    const urls = staging.then(() =>
      this.commands.execute(new RefreshTenantFilesCommand()).then(
        (rewritten) => {
          if (rewritten.length) this.logger.log({ tenants: rewritten.length }, 'rewrote the generated files of tenants for the current tenant URL and backup schedule');
        },
        (error: unknown) => reportPassFailure(this.logger, this.connector, error, 'could not rewrite the generated files of tenants'),
      ),
    );
    this.done = Promise.all([roles, urls]).then(() => undefined);
  }
}
