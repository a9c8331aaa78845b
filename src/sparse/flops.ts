/**
 * Floating-point operations done by the sparse kernels (a multiply-add counts 2), counted
 * where the work is: vector updates, dot products, triangular solves, the Gram matrix.
 * O(p) bookkeeping (gap summaries, scans) is left out: it is noise beside these.
 * One counter for the process; callers take differences around a call.
 */
export const flops = { value: 0 };
