// A bounded work queue for image processing. sharp runs on libuv's thread pool, the same small pool
// (4 threads by default) that bcrypt uses for every login: left alone, a few large pictures at once
// take every thread and logins wait behind them. Here at most `concurrency` pictures are processed
// at once (each on one thread, pipeline.ts), at most `maxWaiting` wait their turn, and any more are
// refused at once with 503 and Retry-After instead of queueing without end.
import { serviceUnavailable } from '../../lib/errors.js';

export interface QueueLimits {
  /** IMAGE_CONCURRENCY: pictures processed at the same time */
  concurrency: number;
  /** IMAGE_QUEUE_MAX: pictures waiting for a turn before new ones are refused */
  maxWaiting: number;
  /** Retry-After of the refusal, in seconds */
  retryAfterSeconds: number;
}

export class WorkQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: QueueLimits) {}

  /** Pictures being processed and waiting (for metrics and tests). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  /** Runs `task` when a slot is free; 503 at once when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limits.concurrency) {
      this.active++;
    } else {
      if (this.waiting.length >= this.limits.maxWaiting) {
        throw serviceUnavailable('The server is busy processing other pictures, please try again in a few seconds', this.limits.retryAfterSeconds);
      }
      // the finishing task hands its slot straight to this one (active stays the same)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
