// The bare peer of the data-plane benchmark: Fastify + one pg.Pool, the same statement as the data plane's on one schema.
// Usage: node tools/bench/bare-server.mjs <port> <database url> <schema> [<cert.pem> <key.pem>]  (HTTPS with a cert and key)
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';

const [port, url, schema, cert, key] = process.argv.slice(2);
if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('bad schema name');
const pool = new pg.Pool({ connectionString: url, max: 32, application_name: 'bench-bare' });
const app = Fastify(cert && key ? { https: { cert: readFileSync(cert), key: readFileSync(key) } } : {});
// the statement the data plane sends for GET /api/crm/leads?limit=50 (newest first, the default order; one row more to know whether a next page exists)
const page = `SELECT * FROM "${schema}"."leads" ORDER BY "created_at" DESC NULLS LAST, "id" DESC LIMIT $1`;
app.get('/api/crm/leads', async () => ({ items: (await pool.query(page, [51])).rows.slice(0, 50), nextCursor: null }));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.on('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
