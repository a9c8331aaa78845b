import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The sparsebench package directory (holding datasets/ and bench/), found by walking up
 * from this module: the same from src/ (tsx, vitest), dist/ and build/ (compiled).
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sparsebench') {
      root = dir;
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('sparsebench: cannot find the package directory above this module');
    dir = up;
  }
}

/**
 * A file that `npm run build` writes into dist/ and a module loads at run time (a worker, a
 * WebAssembly kernel): at `beside` (a URL relative to the loading module, which holds when it
 * runs from dist/), else at `distPath` under the package's dist/ (when it runs from src/
 * under vitest, or from build/).
 */
export function builtFile(beside: URL, distPath: string, what: string): string {
  const near = fileURLToPath(beside);
  if (existsSync(near)) return near;
  const built = join(packageRoot(), 'dist', distPath);
  if (existsSync(built)) return built;
  throw new Error(`${what}: not built at ${near} or ${built} (run npm run build)`);
}
