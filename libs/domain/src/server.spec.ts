import { formatBytes, parseByteSize, parseTags, tagsMatch, validateServerName } from './server';

describe('servers: names, tags, sizes', () => {
  it('validates names', () => {
    expect(validateServerName('pg-sa-east-2')).toBe('pg-sa-east-2');
    for (const bad of ['', 'A', 'pg_', '-pg', 'pg-', 'x'.repeat(41), 42]) expect(() => validateServerName(bad)).toThrow(/Invalid server name/);
  });

  it('parses k=v tags and refuses the rest, naming the option', () => {
    expect(parseTags(['region=sa-east', 'tier=gold', 'region=sa-east'])).toEqual({ region: 'sa-east', tier: 'gold' });
    for (const bad of ['region', '=x', 'Region=x', 'k=', 'k=a b', "k=x'; DROP"]) expect(() => parseTags([bad])).toThrow(`Invalid --tag "${bad}"`);
    expect(() => parseTags(['k=a', 'k=b'])).toThrow('--tag k is given twice');
    expect(tagsMatch({ region: 'sa-east', tier: 'gold' }, { region: 'sa-east' })).toBe(true);
    expect(tagsMatch({ region: 'us' }, { region: 'sa-east' })).toBe(false);
  });

  it('reads and writes sizes in binary units', () => {
    expect(parseByteSize('500GB', '--max-storage')).toBe(500 * 1024 ** 3);
    expect(parseByteSize('1.5tb', '--max-storage')).toBe(1.5 * 1024 ** 4);
    for (const bad of ['', 'lots', '-1GB', '0GB', '5 PB']) expect(() => parseByteSize(bad, '--max-storage')).toThrow('Invalid --max-storage');
    expect([formatBytes(512), formatBytes(1536), formatBytes(10 * 1024 ** 3)]).toEqual(['512 B', '1.5 KB', '10.0 GB']);
  });
});
