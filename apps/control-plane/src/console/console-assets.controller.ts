import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@kryonix/web';
import { CONSOLE_CSS, CONSOLE_JS } from './console-assets';

/** The console's stylesheet and script: public (they hold nothing), cached for a day. */
@ApiExcludeController()
@Public()
@Controller('console/assets')
export class ConsoleAssetsController {
  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  css(): string {
    return CONSOLE_CSS;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  @Header('cache-control', 'public, max-age=86400')
  js(): string {
    return CONSOLE_JS;
  }
}
