/**
 * A bounded in-process queue between the hook route and the store: `push`
 * returns at once, a background pump writes batches. When the store fails,
 * the batch stays queued and is retried with back-off; when the queue is
 * full, new entries are dropped. Both are reported, never thrown.
 */

/** Settings and reporting hooks of a {@link WriteQueue}. */
export interface WriteQueueOptions<T> {
  /** Writes one batch; a rejection leaves the batch queued for a retry. */
  readonly write: (batch: readonly T[]) => Promise<void>;
  /** Entries held at most; beyond it new entries are dropped. */
  readonly maxEntries: number;
  /** Entries written per call of `write`. */
  readonly batchSize?: number;
  /** Delay before retry number `attempt` (1, 2, …) after a failed write. */
  readonly retryDelayMs?: (attempt: number) => number;
  /** A write failed (the entries stay queued). */
  readonly onWriteError?: (error: unknown, entries: number) => void;
  /** Entries were dropped because the queue was full. */
  readonly onDrop?: (entries: number) => void;
}

const defaultDelay = (attempt: number): number => Math.min(30_000, 250 * 2 ** attempt);

/** A bounded queue of pending writes with a background pump. */
export class WriteQueue<T> {
  private readonly items: T[] = [];
  private readonly batchSize: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private pumping: Promise<void> | undefined;
  private timer: { cancel: () => void } | undefined;
  private failures = 0;

  constructor(private readonly options: WriteQueueOptions<T>) {
    this.batchSize = options.batchSize ?? 100;
    this.retryDelayMs = options.retryDelayMs ?? defaultDelay;
  }

  /** Entries waiting to be written. */
  get depth(): number {
    return this.items.length;
  }

  /** Queues entries without waiting; returns how many were dropped for lack of room. */
  push(entries: readonly T[]): number {
    const room = Math.max(0, this.options.maxEntries - this.items.length);
    const taken = entries.slice(0, room);
    this.items.push(...taken);
    const dropped = entries.length - taken.length;
    if (dropped > 0) this.options.onDrop?.(dropped);
    if (taken.length > 0) this.schedule(this.failures > 0 ? this.retryDelayMs(this.failures) : 0);
    return dropped;
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.pumping) return;
    const run = (): void => {
      this.timer = undefined;
      void this.pump();
    };
    if (delayMs > 0) {
      const t = setTimeout(run, delayMs).unref();
      this.timer = { cancel: () => clearTimeout(t) };
    } else {
      const i = setImmediate(run).unref();
      this.timer = { cancel: () => clearImmediate(i) };
    }
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Writes batches until the queue is empty or a write fails. */
  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    this.pumping = (async () => {
      while (this.items.length > 0) {
        const batch = this.items.slice(0, this.batchSize);
        try {
          await this.options.write(batch);
        } catch (error) {
          this.failures += 1;
          this.options.onWriteError?.(error, batch.length);
          return;
        }
        this.items.splice(0, batch.length);
        this.failures = 0;
      }
    })().finally(() => {
      this.pumping = undefined;
      if (this.items.length > 0) this.schedule(this.failures > 0 ? this.retryDelayMs(this.failures) : 0);
    });
    return this.pumping;
  }

  /**
   * Writes what is queued now, without back-off, until empty, a write fails
   * or `timeoutMs` passes. Resolves with the entries left unwritten.
   */
  async flush(timeoutMs: number): Promise<number> {
    this.cancelTimer();
    const deadline = Date.now() + timeoutMs;
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timeout = setTimeout(() => resolve('expired'), timeoutMs).unref();
    });
    try {
      while (this.items.length > 0 && Date.now() < deadline) {
        const before = this.failures;
        if ((await Promise.race([this.pump(), expired])) === 'expired') break;
        if (this.failures > before) break;
        this.cancelTimer();
      }
    } finally {
      clearTimeout(timeout);
    }
    return this.items.length;
  }
}
