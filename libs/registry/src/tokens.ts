/** Nest injection token of the registry's Kysely instance (Kysely<RegistryDatabase>). */
export const REGISTRY_DB = Symbol('REGISTRY_DB');
