import { Global, Module } from '@nestjs/common';
import { KRYONIX_CONFIG, type KryonixConfig } from '@kryonix/platform';
import { ModuleCatalog } from './module-catalog';

/** The SQL module catalog of KRYONIX_MODULES_DIR, loaded once when the process starts. Global. */
@Global()
@Module({
  providers: [{ provide: ModuleCatalog, useFactory: (config: KryonixConfig) => ModuleCatalog.load(config.modulesDir), inject: [KRYONIX_CONFIG] }],
  exports: [ModuleCatalog],
})
export class ModulesModule {}
