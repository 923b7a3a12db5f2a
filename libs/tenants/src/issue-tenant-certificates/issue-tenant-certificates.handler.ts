import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TenantCertificates } from '@kryonix/provisioning';
import { TenantRepository } from '@kryonix/registry';
import { CertificatePass, IssueTenantCertificatesCommand } from './issue-tenant-certificates.command';

@CommandHandler(IssueTenantCertificatesCommand)
export class IssueTenantCertificatesHandler implements ICommandHandler<IssueTenantCertificatesCommand, CertificatePass> {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly certificates: TenantCertificates,
  ) {}

  async execute(): Promise<CertificatePass> {
    const pass: CertificatePass = { issued: [], renewed: [], removed: [] };
    if (!this.certificates.enabled()) return pass;
    // The folder before the registry: a create registers its tenant before it writes the leaf,
    // so a leaf listed here whose tenant the registry then lacks is really left over.
    const leaves = await this.certificates.issued();
    const tenants = await this.tenants.list();
    for (const t of tenants) {
      // a tenant being provisioned gets its leaf from its own create (or repair)
      if (t.status === 'provisioning') continue;
      const outcome = await this.certificates.ensure(t.id);
      if (outcome !== 'kept') pass[outcome].push(t.id);
    }
    const known = new Set(tenants.map((t) => t.id));
    for (const id of leaves) {
      if (!known.has(id) && (await this.certificates.remove(id))) pass.removed.push(id);
    }
    return pass;
  }
}
