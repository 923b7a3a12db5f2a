import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png' };
/** The files of the swagger-ui-dist package a docs page loads (served by the server itself: no CDN). */
const ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);

/** One Swagger UI file with its content type, or undefined for any other name. */
export async function swaggerUiAsset(file: string): Promise<{ type: string; body: Buffer } | undefined> {
  if (!ASSETS.has(file)) return undefined;
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
  return { type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', body: await readFile(join(dir, file)) };
}
