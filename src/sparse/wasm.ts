import { readFileSync } from 'node:fs';
import { builtFile } from '../util/package-root.js';

/**
 * Loading the WebAssembly kernels that `npm run build` compiles from assembly/ into
 * dist/wasm/ (the homotopy coder, the updatable Cholesky factor). Each kernel instance gets a
 * memory of its own, so a kernel per object and per thread needs no locking; JavaScript's
 * Math.hypot is imported so that a Givens rotation rounds as the JavaScript code does.
 */

/**
 * The few WebAssembly names used here: TypeScript declares them only in its DOM library,
 * which this Node project does not load (the runtime has them all the same).
 */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
};
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule: never;
}
/** An exported mutable global (a counter a kernel keeps). */
export interface WasmGlobal {
  value: number;
}

export const WASM_PAGE = 65536;

const compiled = new Map<string, WasmModule>();

/** An instance of dist/wasm/<name>.wasm on a fresh memory of at least `bytes` bytes. */
export function instantiate<T>(name: string, bytes: number): { exports: T; memory: WasmMemory } {
  let module = compiled.get(name);
  if (!module) {
    const file = builtFile(new URL(`../wasm/${name}.wasm`, import.meta.url), `wasm/${name}.wasm`, `${name} kernel (WebAssembly)`);
    module = new WebAssembly.Module(readFileSync(file));
    compiled.set(name, module);
  }
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / WASM_PAGE)) });
  const instance = new WebAssembly.Instance(module, { env: { memory, hypot: Math.hypot } });
  return { exports: instance.exports as T, memory };
}
