/**
 * Builds the review page into a folder the API serves: one ES module bundle (esbuild), the CSS,
 * the HTML and the icon. Run by `npm run build` (into dist/review); tests call buildReviewPage()
 * with a folder of their own. esbuild is a devDependency, so nothing at run time imports this.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));
export const DEFAULT_REVIEW_OUT_DIR = fileURLToPath(new URL('../dist/review/', import.meta.url));

/** The files a built page consists of; the API serves exactly these. */
export const REVIEW_STATIC_FILES = ['index.html', 'review.css', 'favicon.svg'] as const;

export interface ReviewBuildResult {
  outDir: string;
  files: string[];
  bundleBytes: number;
}

export async function buildReviewPage(
  opts: { outDir?: string; minify?: boolean } = {},
): Promise<ReviewBuildResult> {
  const outDir = opts.outDir ?? DEFAULT_REVIEW_OUT_DIR;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [join(PAGE_DIR, 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: opts.minify ?? true,
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    metafile: true,
    logLevel: 'silent',
  });
  for (const file of REVIEW_STATIC_FILES) await copyFile(join(PAGE_DIR, file), join(outDir, file));
  const bundleBytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { outDir, files: ['app.js', ...REVIEW_STATIC_FILES], bundleBytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await buildReviewPage();
  console.log(
    `review page built into ${result.outDir} (app.js ${(result.bundleBytes / 1024).toFixed(1)} KiB)`,
  );
}
