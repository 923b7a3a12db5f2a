import { ConsoleAssetsController } from './console-assets.controller';
import { FleetPageController } from './fleet-page.controller';
import { NewTenantController } from './new-tenant.controller';
import { SignInController } from './sign-in.controller';
import { TenantsPageController } from './tenants-page.controller';

/** The operator console's controllers (under /console; not in the OpenAPI document). */
export const CONSOLE_CONTROLLERS = [SignInController, ConsoleAssetsController, NewTenantController, TenantsPageController, FleetPageController];
export { CreateRuns } from './create-runs';
