import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'kryonix:public';

/** Routes that need no operator token (health probes, metrics). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
