/**
 * Builds the pages of web/ into dist/web: the EHR simulator and the
 * governance dashboard, each TypeScript bundled by esbuild into one browser
 * script (marked included: nothing is loaded from another host at run time),
 * with the HTML and CSS copied beside it.
 * `npm run build` runs it; the browser tests call buildWeb() into a folder of their own.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
/** The default output folder, where the server looks for the page. */
export const WEB_OUT = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** The pages: entry script → bundle name. */
const BUNDLES: readonly (readonly [string, string])[] = [
  ['src/main.ts', 'simulator.js'],
  ['src/admin/main.ts', 'admin.js'],
];

/** Bundles the pages' scripts and copies the static files into `outDir`. */
export async function buildWeb(outDir: string = WEB_OUT): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [entry, bundle] of BUNDLES) {
    await build({
      entryPoints: [join(WEB, entry)],
      outfile: join(outDir, bundle),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['chrome111', 'firefox115', 'safari16'],
      tsconfig: join(WEB, 'tsconfig.json'),
      legalComments: 'inline',
      logLevel: 'warning',
    });
  }
  await Promise.all(
    ['index.html', 'simulator.css', 'admin.html', 'admin.css', 'base.css'].map((f) =>
      copyFile(join(WEB, f), join(outDir, f)),
    ),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb();
}
