/**
 * Where the sparse kernels count their floating-point operations: vector updates, dot
 * products, triangular solves, the Gram matrix (a multiply-add counts 2). O(p) bookkeeping
 * (gap summaries, scans) is left out: it is noise beside these. The counter is the process's
 * (util/flop-count.ts); measurement windows read it, callers never take differences by hand.
 */
export { flopCount as flops } from '../util/flop-count.js';
