import { withAdmin } from './test-runtime';

interface PlannedReplace {
  incomingDatabase?: string;
  keptDatabase?: string;
  schemas?: Array<{ incoming?: string; kept?: string }>;
}

/**
 * The database and schema names that this registry's replaces planned (their `inicio_replace`
 * rows). Spec files share one test server and run side by side, so a check for names a replace
 * left behind keeps to its own registry's: another spec's kept copy is not this one's leftover.
 */
export async function plannedReplaceNames(registryDatabase: string): Promise<Set<string>> {
  const rows = await withAdmin(
    async (c) => (await c.query<{ plan: PlannedReplace | null }>(`SELECT detalhes -> 'replace' AS plan FROM tenant_management.logs_auto_creation WHERE acao = 'inicio_replace'`)).rows,
    registryDatabase,
  );
  const names = new Set<string>();
  for (const { plan } of rows) {
    for (const name of [plan?.incomingDatabase, plan?.keptDatabase, ...(plan?.schemas ?? []).flatMap((s) => [s.incoming, s.kept])]) {
      if (name) names.add(name);
    }
  }
  return names;
}
