#!/usr/bin/env node
// Compiles the WebAssembly kernels (assembly/*.ts, AssemblyScript) into dist/wasm/, unless
// each output is newer than its sources: `npm run bench` rebuilds on every call, and asc
// takes 2-3 s a kernel, so the stale ones compile side by side. The flags: -O3 (binaryen
// never reassociates floating point, so the compiled coder keeps the JavaScript coder's
// operation order), 128-bit SIMD, no runtime or garbage collector (the kernels allocate
// nothing), memory imported from the caller.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'wasm');
mkdirSync(out, { recursive: true });
const asc = join(root, 'node_modules', '.bin', 'asc');
// assembly/shared/ holds code the kernels import: not built alone, but a change there rebuilds every kernel
const shared = readdirSync(join(root, 'assembly', 'shared')).map((f) => statSync(join(root, 'assembly', 'shared', f)).mtimeMs);
const stale = readdirSync(join(root, 'assembly'))
  .filter((f) => f.endsWith('.ts'))
  .map((file) => ({ source: join(root, 'assembly', file), target: join(out, file.replace(/\.ts$/, '.wasm')) }))
  .filter(({ source, target }) => !(existsSync(target) && statSync(target).mtimeMs > Math.max(statSync(source).mtimeMs, ...shared)));
const results = await Promise.all(
  stale.map(
    ({ source, target }) =>
      new Promise((resolve) => {
        const child = spawn(asc, [source, '-o', target, '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert', '--importMemory'], { stdio: 'inherit' });
        child.on('error', (error) => resolve({ source, error }));
        child.on('exit', (code) => resolve({ source, code }));
      }),
  ),
);
const failed = results.filter((r) => r.error || r.code !== 0);
for (const r of failed) console.error(`build-wasm: asc failed on ${r.source}${r.error ? ` (${r.error.message})` : ''}`);
if (failed.length > 0) process.exit(1);
