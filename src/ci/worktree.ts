import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A REF that cannot be measured: the A/B falls back to the exact gates and says why. */
export class RefUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefUnavailable';
  }
}

export interface PreparedRef {
  readonly ref: string;
  readonly commit: string;
  /** The REF's compiled CLI, run with this Node. */
  readonly cli: string;
  /** How its dependencies were provided (shared node_modules or its own npm ci). */
  readonly install: string;
  readonly cleanup: () => void;
}

const sha256 = (file: string): string | undefined => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : undefined);

function git(repo: string, args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function tail(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message: string };
  const text = (e.stderr ? String(e.stderr) : e.message).trim().split('\n');
  return text.slice(-3).join(' / ');
}

/**
 * Checks REF out into a temporary git worktree, installs it from its own lockfile (sharing
 * this checkout's node_modules when the lockfiles are byte-identical, as they are for most
 * changes) and builds it with its own build script. Every failure is a RefUnavailable
 * naming the step, so the caller can fall back instead of failing the job.
 */
export function prepareRef(repo: string, ref: string, log: (m: string) => void = () => {}): PreparedRef {
  let commit: string;
  try {
    commit = git(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new RefUnavailable(`${ref}: not a commit of ${repo} (a shallow clone, or the first commit?)`);
  }
  const root = mkdtempSync(join(tmpdir(), 'sparsebench-ab-'));
  const tree = join(root, 'tree');
  const cleanup = (): void => {
    try {
      git(repo, ['worktree', 'remove', '--force', tree]);
    } catch {
      // already gone, or never added: prune below clears the registration
    }
    rmSync(root, { recursive: true, force: true });
    try {
      git(repo, ['worktree', 'prune']);
    } catch {
      // nothing to prune
    }
  };
  try {
    git(repo, ['worktree', 'add', '--detach', '--quiet', tree, commit]);
    const ours = sha256(join(repo, 'package-lock.json'));
    const theirs = sha256(join(tree, 'package-lock.json'));
    let install: string;
    if (ours !== undefined && ours === theirs && existsSync(join(repo, 'node_modules'))) {
      symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'), 'dir');
      install = 'node_modules shared (same package-lock.json)';
    } else {
      log(`${ref}: its package-lock.json differs, installing its own dependencies (npm ci)`);
      try {
        execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
      } catch (err) {
        throw new RefUnavailable(`${ref}: npm ci failed (${tail(err)})`);
      }
      install = 'own npm ci (package-lock.json differs)';
    }
    try {
      execFileSync('npm', ['run', 'build', '--silent'], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 });
    } catch (err) {
      throw new RefUnavailable(`${ref}: its build failed (${tail(err)})`);
    }
    const cli = join(tree, 'dist', 'cli.js');
    if (!existsSync(cli)) throw new RefUnavailable(`${ref}: its build wrote no dist/cli.js`);
    return { ref, commit, cli, install, cleanup };
  } catch (err) {
    cleanup();
    if (err instanceof RefUnavailable) throw err;
    throw new RefUnavailable(`${ref}: cannot check it out (${tail(err)})`);
  }
}
