import { Controller, Get, Header, Logger, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ClassColours, classColours, COCO_CLASS_NAMES } from '@app/vision';
import { Public } from '../auth/route-access.decorator';
import { CatalogService } from '../catalog/catalog.service';

export const PAGE_PATH = '/ui';

/** The page's files; anything else under /ui is a 404 (no directory listing, no path traversal). */
const PAGE_FILES = new Set(['index.html', 'app.js', 'app.css', 'model-states.js', 'live.js', 'live.css', 'api-key.js', 'label-layout.js']);

/**
 * Where the page's files are: the nearest ancestor of this module holding apps/detector/src/web/public. From a build
 * that copied the assets (nest-cli `assets`) that is dist's copy; from the sources (ts-node) or a build without
 * assets it is the source folder. Null when neither exists (a build that lost them): the API still serves.
 */
function findPublicDir(): string | null {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'apps/detector/src/web/public');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

/**
 * Serves the companion web page (plain HTML/CSS/JS, no build step) and the class colours it shares with annotated
 * images. The page's files are public (the browser loads them before it has a key); its data needs the key.
 */
@ApiExcludeController()
@Controller(PAGE_PATH.slice(1))
export class WebController {
  private readonly logger = new Logger(WebController.name);
  private readonly publicDir = findPublicDir();

  constructor(private readonly catalog: CatalogService) {
    if (!this.publicDir) this.logger.error(`The web page's files (apps/detector/src/web/public) are missing from this build: ${PAGE_PATH} answers 404.`);
  }

  @Get()
  @Public()
  page(@Res() response: Response) {
    this.send(response, 'index.html');
  }

  /** Per model, the colours of each class: the same as on annotated images, so both outputs look alike. */
  @Get('class-colours.json')
  @Header('Cache-Control', 'no-cache')
  classColours(): Record<string, Record<string, ClassColours>> {
    return Object.fromEntries(
      this.catalog.all().map((model) => {
        const names = model.description?.classNames ?? COCO_CLASS_NAMES;
        return [model.name, Object.fromEntries(names.map((name) => [name, classColours(name, names)]))];
      }),
    );
  }

  @Get(':file')
  @Public()
  asset(@Param('file') file: string, @Res() response: Response) {
    if (!PAGE_FILES.has(file)) throw new NotFoundException(`${PAGE_PATH}/${file} does not exist.`);
    this.send(response, file);
  }

  private send(response: Response, file: string) {
    if (!this.publicDir) throw new NotFoundException(`The web page is not part of this build (${PAGE_PATH}/${file} is missing).`);
    // Revalidate every time (ETag): a redeployed page is picked up at once, an unchanged one costs a 304.
    response.sendFile(file, { root: this.publicDir, headers: { 'Cache-Control': 'no-cache' } });
  }
}
