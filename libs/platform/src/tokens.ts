/** Nest injection token of the process's parsed configuration. */
export const KRYONIX_CONFIG = Symbol('KRYONIX_CONFIG');

/** Nest injection token of a Kysely on the control database (the registry's home), made sure to exist. */
export const CONTROL_DB = Symbol('CONTROL_DB');
