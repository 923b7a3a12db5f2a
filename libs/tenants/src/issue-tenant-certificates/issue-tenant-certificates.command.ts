import { Command } from '@nestjs/cqrs';

export interface CertificatePass {
  /** Tenants that had no leaf. */
  issued: string[];
  /** Tenants whose leaf neared its expiry, came from another CA or named another base domain. */
  renewed: string[];
  /** Leaves of tenants the registry no longer has (purged where no leaf was removed). */
  removed: string[];
}

/**
 * Where the local CA is in use (KRYONIX_LOCAL_CA, `$KRYONIX_HOME/tls/`): gives every live
 * tenant its leaf certificate, issues again the ones that need it, and removes the leaves of
 * tenants that are gone. Run by the control plane when it starts (under `kryonix up`: before
 * it listens, so the data plane started next has every leaf). Does nothing elsewhere.
 */
export class IssueTenantCertificatesCommand extends Command<CertificatePass> {}
