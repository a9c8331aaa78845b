#!/usr/bin/env node
// `npm run build`: the WebAssembly kernels (build-wasm.mjs) and the TypeScript compile side
// by side. tsc is skipped when its last successful build (dist/.build-stamp) is newer than
// every source and config it reads: `npm run bench` and `npm test` build on every call, and
// an up-to-date incremental tsc still takes 2-3 s to find nothing to do.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

const inputs = [join(root, 'src'), ...['tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'].map((f) => join(root, f)).filter(existsSync)];
const tscNeeded = !existsSync(stamp) || Math.max(...inputs.map(newest)) >= statSync(stamp).mtimeMs;

const run = (command, args) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('error', (error) => {
      console.error(`build: ${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

const [wasm, tsc] = await Promise.all([
  run(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')]),
  tscNeeded ? run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')]) : Promise.resolve(0),
]);
if (tscNeeded && tsc === 0) writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.exit(wasm !== 0 ? wasm : tsc);
