// Latency statistics shared by the load driver and the baselines, so both sides are measured alike.
export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** responses outside 2xx/304 plus socket errors and timeouts */
  errors: number;
  statusCodes: Record<string, number>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarise(latencies: number[], durationS: number, errors: number, statusCodes: Record<string, number>): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const arr = Array.from(sorted);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    requests: latencies.length,
    durationS: round(durationS),
    rps: round(latencies.length / durationS),
    p50: round(percentile(arr, 50)),
    p95: round(percentile(arr, 95)),
    p99: round(percentile(arr, 99)),
    errors,
    statusCodes,
  };
}
