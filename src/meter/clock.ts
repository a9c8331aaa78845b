/** Wall and CPU clocks of this process, in seconds. */
export interface ClockReading {
  readonly seconds: number;
  /** user + system CPU time of the whole process (all threads, wasm included). */
  readonly cpuSeconds: number;
}

export function readClock(): ClockReading {
  const cpu = process.cpuUsage();
  return {
    seconds: Number(process.hrtime.bigint()) / 1e9,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}
