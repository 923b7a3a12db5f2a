import { Client } from 'pg';
import { ExtraPostgres, startExtraPostgres } from './extra-postgres';

async function settings(url: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT name, setting FROM pg_settings WHERE name IN ('server_version_num', 'wal_level')`);
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await client.end();
  }
}

describe('several PostgreSQL servers side by side', () => {
  const servers: ExtraPostgres[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.destroy())));

  it('starts a 15 and a 17 on their own ports and folders, both with wal_level=logical, and restarts one with its own binaries', async () => {
    const [old, current] = await Promise.all([startExtraPostgres('fifteen', 'pg15'), startExtraPostgres('seventeen')]);
    servers.push(old, current);
    expect(old.port).not.toBe(current.port);
    const [a, b] = await Promise.all([settings(old.url), settings(current.url)]);
    expect(a).toEqual({ server_version_num: expect.stringMatching(/^15\d{4}$/), wal_level: 'logical' });
    expect(b).toEqual({ server_version_num: expect.stringMatching(/^17\d{4}$/), wal_level: 'logical' });
    await old.stop();
    await expect(settings(old.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await old.start(); // the data folder says which binaries made it: 15 again, not the default 17
    expect((await settings(old.url)).server_version_num).toMatch(/^15\d{4}$/);
  });
});
