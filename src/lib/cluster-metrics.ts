// With WEB_CONCURRENCY workers, a scrape of /metrics lands on whichever worker the connection went
// to; it must still describe the whole server. The answering worker asks the primary, the primary
// collects every worker's registry (prom-client's AggregatorRegistry: counters and histograms are
// summed, process gauges aggregated as prom-client defines) and sends the text back.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'prescripto:metrics-ask';
const ANSWER = 'prescripto:metrics-answer';
/** prom-client gives up on a silent worker after 5 s; the asking worker waits a little longer */
const WAIT_MS = 6_000;

interface Ask {
  type: typeof ASK;
  id: number;
}
interface Answer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(msg: unknown, type: T['type']): msg is T =>
  typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === type;

/** In the primary: answers each worker's request with every worker's metrics, aggregated. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: unknown) => {
    if (!isMessage<Ask>(msg, ASK)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id: msg.id, text } satisfies Answer),
      (err: Error) => worker.send({ type: ANSWER, id: msg.id, error: err.message } satisfies Answer),
    );
  });
}

/**
 * In a worker: offers `registry` to the primary's collections, and answers a function that scrapes
 * the whole cluster through the primary.
 */
export function clusterScraper(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs this worker's answer to the primary's collection
  let next = 0;
  const waiting = new Map<number, { resolve(text: string): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  process.on('message', (msg: unknown) => {
    if (!isMessage<Answer>(msg, ANSWER)) return;
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    clearTimeout(w.timer);
    if (msg.error !== undefined || msg.text === undefined) w.reject(new Error(`cluster metrics: ${msg.error ?? 'no answer'}`));
    else w.resolve(msg.text);
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('cluster metrics: the primary did not answer'));
      }, WAIT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send?.({ type: ASK, id } satisfies Ask);
    });
}
