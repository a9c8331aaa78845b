import { fileURLToPath } from 'node:url';

/**
 * The command line of the CLI as users run it: the compiled dist/cli.js (built by
 * test/global-setup.ts when stale). It starts in a second where tsx takes nearly two, and
 * `run` starts twice (supervisor and worker).
 */
export const CLI: readonly string[] = [fileURLToPath(new URL('../../dist/cli.js', import.meta.url))];
