import { LeafOutcome, LocalCertificateAuthority, type Settings, leafFile, tenantLeafNames } from '@kryonix/platform';

/**
 * Tenants' leaf certificates, signed by the local CA (`$KRYONIX_HOME/tls/`) for
 * `<id>.<base-domain>`. Issued by the processes that create tenants — the CLI in its own
 * process, its agent and the control plane, all through the provisioning plan — and only
 * where that CA exists (made by `kryonix up` when no KRYONIX_TLS_CERT/KEY are set) and
 * KRYONIX_LOCAL_CA is not `off`: a deployment with its own certificates writes none.
 * Never by a data plane, which only reads the leaf folder.
 */
export class TenantCertificates {
  private readonly ca: LocalCertificateAuthority;

  constructor(
    private readonly settings: Pick<Settings, 'home' | 'baseDomain' | 'localCa'>,
    now?: () => Date,
  ) {
    this.ca = new LocalCertificateAuthority(settings.home, now);
  }

  /** Leaves are issued here (looked at each time: `up` may make the CA while an agent runs). */
  enabled(): boolean {
    return this.settings.localCa !== 'off' && this.ca.exists();
  }

  /** Issues the tenant's leaf, or a new one when it nears expiry, the CA changed or the base domain did. */
  ensure(id: string): Promise<LeafOutcome> {
    return this.ca.ensureLeaf(id, tenantLeafNames(id, this.settings.baseDomain));
  }

  /** Removes the tenant's leaf, if any (whether or not leaves are issued here now). */
  remove(id: string): Promise<boolean> {
    return this.ca.removeLeaf(id);
  }

  /** The tenants that have a leaf. */
  issued(): Promise<string[]> {
    return this.ca.tenantLeaves();
  }

  file(id: string): string {
    return leafFile(this.ca.paths.leaves, id);
  }
}
