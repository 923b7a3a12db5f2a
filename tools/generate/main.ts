/**
 * npm run generate [-- --check]: writes every generated file of the repository (the SDK's
 * types and module accessors, both OpenAPI documents, the README settings table). The
 * module tables are read from a scratch database on KRYONIX_DATABASE_URL, or on an
 * embedded PostgreSQL started for the run. --check writes nothing, lists the stale files
 * and exits 1 if there are any.
 */
import { projectRoot } from '@kryonix/platform';
import { generateFiles, staleFiles, writeFiles } from './generate';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) {
    console.error(`Unknown option(s) ${unknown.join(' ')}. Usage: npm run generate [-- --check]`);
    return 2;
  }
  const root = projectRoot();
  const files = await generateFiles({ root, databaseUrl: process.env.KRYONIX_DATABASE_URL || undefined });
  if (args.includes('--check')) {
    const stale = await staleFiles(root, files);
    if (stale.length === 0) {
      console.error(`${files.length} generated files are up to date.`);
      return 0;
    }
    console.error(`Stale generated files (run npm run generate and commit them):\n${stale.map((f) => `  ${f}`).join('\n')}`);
    return 1;
  }
  const changed = await writeFiles(root, files);
  console.error(changed.length ? `Wrote ${changed.join(', ')}.` : `${files.length} generated files were up to date.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(2);
  },
);
