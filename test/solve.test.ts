import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sb-solve-'));

describe('sparsebench solve', () => {
  it('lasso-path prints every target\'s path with gaps within tol', () => {
    const r = cli(['solve', 'lasso-path', '--n-alphas', '12', '--train-size', '1500', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { targets: { alphas: number[]; gaps: number[]; nonzeros: number[]; converged: boolean }[]; mode: string; seconds: { total: number } };
    expect(s.mode).toBe('gram');
    expect(s.targets).toHaveLength(10);
    for (const t of s.targets) {
      expect(t.alphas).toHaveLength(12);
      expect(t.nonzeros[0]).toBe(0);
      expect(t.converged).toBe(true);
      // tol 1e-4 x ||y||^2 / n, and ||y||^2 / n <= 1/4 for a centered 0/1 target
      for (const g of t.gaps) expect(g).toBeLessThanOrEqual(1e-4 * 0.25);
    }
  });

  it('codes prints what the issue asks (seconds, signals, objective, nonzeros, threads), the same codes on two threads, and names a bad dictionary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsebench-codes-'));
    const learned = cli(['solve', 'dictionary', '--patches', '3000', '--iterations', '20', '--atoms', '16', '--json']);
    expect(learned.code, learned.stderr).toBe(0);
    const file = join(dir, 'dictionary.json');
    writeFileSync(file, learned.stdout);
    type Codes = { signals: number; seconds: number; objective: number; meanNonzeros: number; threads: number; atoms: number; fallbacks: number };
    const run = (extra: string[]): Codes => {
      const r = cli(['solve', 'codes', '--dictionary', file, '--limit', '1000', '--json', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Codes;
    };
    const one = run([]);
    const two = run(['--threads', '2']);
    const cd = run(['--solver', 'cd', '--tol', '1e-8']);
    expect(one).toMatchObject({ signals: 1000, atoms: 16, threads: 1, fallbacks: 0 });
    expect(two.threads).toBe(2);
    expect(one.seconds).toBeGreaterThan(0);
    // each code is independent of the others: the same codes on two threads (the mean
    // objective is summed per thread, so only its last bits may differ)
    expect(Math.abs(two.objective - one.objective)).toBeLessThan(1e-14);
    expect(two.meanNonzeros).toBe(one.meanNonzeros);
    // the exact homotopy and coordinate descent run to a tiny gap agree on the objective
    expect(Math.abs(cd.objective - one.objective)).toBeLessThan(1e-8 * Math.max(1, one.objective));
    expect(one.meanNonzeros).toBeGreaterThan(0);
    writeFileSync(file, JSON.stringify({ dictionary: [[1, 2, 3]] }));
    const bad = cli(['solve', 'codes', '--dictionary', file, '--limit', '10']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`--dictionary: ${file}: atom 0 has 3 values, expected 49 (--patch 7)`);
    const missing = cli(['solve', 'codes', '--dictionary', join(dir, 'none.json'), '--limit', '10']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('none.json: no such file');
  });

  it('lasso rejects a bad alpha with exit 2', () => {
    const r = cli(['solve', 'lasso', '--alpha', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--alpha must be positive, got "0"/);
  });
});
