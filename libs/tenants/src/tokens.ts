export const KRYONIX_CONFIG = Symbol('KRYONIX_CONFIG');
export const REGISTRY_DB = Symbol('REGISTRY_DB');
