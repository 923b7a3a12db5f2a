import { HttpClient, type FetchLike } from './http';
import { Resource } from './resource';

/** How Resource.list writes filters into the query string the data plane reads. */
function recorder() {
  const urls: string[] = [];
  const fetch: FetchLike = async (url) => {
    urls.push(url);
    return { status: 200, ok: true, headers: { get: () => null }, text: async () => '{"items":[],"nextCursor":null}' };
  };
  return { urls, resource: new Resource<Record<string, unknown>, Record<string, unknown>>(new HttpClient('https://acme.localhost', 'sk_acme_0123456789abcdef0123456789abcdef', fetch), 'crm', 'leads') };
}

const query = (url: string) => [...new URL(url).searchParams.entries()];

it('a value is equality; operators become column[op]; in lists are comma-joined with \\ escaping a comma or backslash', async () => {
  const { urls, resource } = recorder();
  await resource.list({ status: 'novo', score: { gte: 10, lt: 100 }, fonte: { in: ['site', 'a,b', 'c\\d'] }, ativo: false, q: '50% off', skipped: undefined }, { limit: 5, order: '-score' });
  expect(query(urls[0]!)).toEqual([
    ['status', 'novo'],
    ['score[gte]', '10'],
    ['score[lt]', '100'],
    ['fonte[in]', 'site,a\\,b,c\\\\d'],
    ['ativo', 'false'],
    ['q', '50% off'],
    ['limit', '5'],
    ['order', '-score'],
  ]);
});

it('pages pass the cursor back with the same filters', async () => {
  const { urls, resource } = recorder();
  for await (const page of resource.pages({ created_at: { gte: '2026-01-01' } })) expect(page.items).toEqual([]);
  expect(query(urls[0]!)).toEqual([['created_at[gte]', '2026-01-01']]);
});
