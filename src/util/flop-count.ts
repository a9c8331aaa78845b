/**
 * The process's running total of floating-point operations done by the sparse kernels (a
 * multiply-add counts 2), like a hardware counter: kernels add where the work is, and only a
 * measurement window (meter/meter.ts) reads it, as differences over its unpaused intervals,
 * so evaluation off the clock is never charged to training and no runner subtracts by hand.
 * Worker threads count in their own copy and their replies are added here when they settle.
 */
export const flopCount = { value: 0 };
