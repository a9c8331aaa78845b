#!/usr/bin/env node
// Compiles the WebAssembly kernels (assembly/*.ts, AssemblyScript) into dist/wasm/, unless
// each output is newer than its sources: `npm run bench` rebuilds on every call, and asc
// takes about 3 s. The flags: -O3 (binaryen never reassociates floating point, so the
// compiled coder keeps the JavaScript coder's operation order), 128-bit SIMD, no runtime
// or garbage collector (the kernels allocate nothing), memory imported from the caller.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'wasm');
mkdirSync(out, { recursive: true });
const asc = join(root, 'node_modules', '.bin', 'asc');
// assembly/shared/ holds code the kernels import: not built alone, but a change there rebuilds every kernel
const shared = readdirSync(join(root, 'assembly', 'shared')).map((f) => statSync(join(root, 'assembly', 'shared', f)).mtimeMs);
for (const file of readdirSync(join(root, 'assembly')).filter((f) => f.endsWith('.ts'))) {
  const source = join(root, 'assembly', file);
  const target = join(out, file.replace(/\.ts$/, '.wasm'));
  if (existsSync(target) && statSync(target).mtimeMs > Math.max(statSync(source).mtimeMs, ...shared)) continue;
  const r = spawnSync(asc, [source, '-o', target, '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert', '--importMemory'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-wasm: asc failed on ${source}${r.error ? ` (${r.error.message})` : ''}`);
    process.exit(1);
  }
}
