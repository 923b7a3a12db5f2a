import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { NotFound } from '@kryonix/domain';
import { Public } from '@kryonix/web';
import { CONSOLE_CSS, CONSOLE_JS } from './console-assets';

const ASSETS: Record<string, { type: string; body: string }> = {
  'console.css': { type: 'text/css; charset=utf-8', body: CONSOLE_CSS },
  'console.js': { type: 'text/javascript; charset=utf-8', body: CONSOLE_JS },
};

/** The console's stylesheet and script: public (they hold nothing), cached for a day. */
@ApiExcludeController()
@Public()
@Controller('console/assets')
export class ConsoleAssetsController {
  @Get(':file')
  @Header('cache-control', 'public, max-age=86400')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown }): string {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new NotFound(`No console asset ${JSON.stringify(file.slice(0, 40))}: there are ${Object.keys(ASSETS).join(', ')}.`);
    reply.header('content-type', asset.type);
    return asset.body;
  }
}
