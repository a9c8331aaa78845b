import { mkdtempSync, readdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/datasets/mnist.js';

const saved = process.env.SPARSEBENCH_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.SPARSEBENCH_CACHE;
  else process.env.SPARSEBENCH_CACHE = saved;
});

describe('the MNIST cache', () => {
  it('gives the parsed digits back byte for byte, and a damaged cache file is parsed again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-mnist-'));
    process.env.SPARSEBENCH_CACHE = dir;
    const parsed = loadMnist();
    const [file] = readdirSync(dir).filter((f) => f.startsWith('mnist-'));
    expect(file).toMatch(/^mnist-[0-9a-f]{16}\.bin$/);
    const cached = loadMnist();
    expect(Buffer.from(cached.X.buffer, cached.X.byteOffset, cached.X.byteLength).equals(Buffer.from(parsed.X.buffer, parsed.X.byteOffset, parsed.X.byteLength))).toBe(true);
    expect([...cached.y]).toEqual([...parsed.y]);
    expect(cached.source).toBe(parsed.source);
    // a cut-short file (a full disk): not a whole number of digits, so it is parsed again and rewritten
    truncateSync(join(dir, file), 1000);
    const again = loadMnist();
    expect([...again.y]).toEqual([...parsed.y]);
    expect(again.X[12345]).toBe(parsed.X[12345]);
  });
});
