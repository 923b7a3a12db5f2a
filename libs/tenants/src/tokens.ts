export const KRYONIX_CONFIG = Symbol('KRYONIX_CONFIG');
