import { PlacementCandidate, placeTenant } from './placement';

const server = (name: string, over: Partial<PlacementCandidate['server']> = {}, tenants = 0, storageBytes: number | null = 0): PlacementCandidate => ({
  server: { name, state: 'active', tags: {}, maxTenants: null, maxStorageBytes: null, ...over },
  tenants,
  storageBytes,
});

describe('placement', () => {
  it('picks the active server with room and the fewest tenants, then the least storage, then the name', () => {
    expect(placeTenant([server('a', {}, 3), server('b', {}, 1), server('c', {}, 1, 10)]).server).toBe('b');
    expect(placeTenant([server('b', {}, 1, 5), server('a', {}, 1, 5)]).server).toBe('a');
    expect(placeTenant([server('a', {}, 3), server('b', { state: 'cordoned' }, 0), server('c', { state: 'draining' }, 0)])).toEqual({ server: 'a', reason: 'fewest tenants (3) of 1 active server(s) with room' });
  });

  it('honours tags and limits', () => {
    const fleet = [server('a', { tags: { region: 'us' } }, 0), server('b', { tags: { region: 'sa-east' }, maxTenants: 2 }, 2), server('c', { tags: { region: 'sa-east', tier: 'gold' } }, 5), server('d', { maxStorageBytes: 100 }, 0, 100)];
    expect(placeTenant(fleet, { tags: { region: 'sa-east' } })).toEqual({ server: 'c', reason: 'fewest tenants (5) of 1 active server(s) with room among those tagged region=sa-east' });
    expect(placeTenant(fleet).server).toBe('a'); // d is full by storage, b by tenants
    expect(() => placeTenant(fleet, { tags: { region: 'eu' } })).toThrow(/No server can take the tenant with region=eu \(a: tags region=us; b: tags region=sa-east; c: tags region=sa-east,tier=gold; d: tags none\)/);
  });

  it('--server: that one, if it is active and has room', () => {
    const fleet = [server('a'), server('b', { state: 'cordoned' }), server('c', { maxTenants: 1 }, 1)];
    expect(placeTenant(fleet, { server: 'a' })).toEqual({ server: 'a', reason: 'asked for (--server a)' });
    expect(() => placeTenant(fleet, { server: 'b' })).toThrow('Server "b" takes no new tenant: cordoned.');
    expect(() => placeTenant(fleet, { server: 'c' })).toThrow('Server "c" takes no new tenant: full (1 of 1 tenants).');
    expect(() => placeTenant(fleet, { server: 'zz' })).toThrow('Unknown --server "zz": the servers are a, b, c.');
  });
});
