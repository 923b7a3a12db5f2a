/** Nest injection token of the process's parsed configuration. */
export const KRYONIX_CONFIG = Symbol('KRYONIX_CONFIG');
