// Peak memory of a command-line run, sampled as it goes, so a long import can say what it used.
export interface MemoryPeak {
  heapUsedMb: number;
  rssMb: number;
}

export function memoryWatch(intervalMs = 250): { sample(): void; stop(): MemoryPeak } {
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  };
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  sample();
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
      return { heapUsedMb: mb(heap), rssMb: mb(rss) };
    },
  };
}
