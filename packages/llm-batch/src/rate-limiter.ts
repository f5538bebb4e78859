import type { Clock } from './clock.js';

/** The share of the configured rate and concurrency the limiter never goes below after 429s. */
const MIN_FACTOR = 1 / 16;
/** How much of the configured rate one success wins back: from half rate, 25 successes to full. */
const RECOVERY_PER_SUCCESS = 0.02;

export interface AdaptiveRateLimiterOptions {
  /** Sends allowed in any window of `windowMs`; Infinity for none. */
  requestsPerMinute: number;
  clock: Clock;
  /** @default 60_000 */
  windowMs?: number;
}

/**
 * A sliding-window rate limiter (no window of `windowMs` ever holds more than the current cap of
 * sends, unlike fixed windows that allow a double burst at the boundary) that also backs off:
 * a 429 halves the share of the configured rate and concurrency the client uses, and each success
 * wins a little back (multiplicative decrease, additive increase).
 *
 * It does its own timing on the injected clock rather than using p-queue's `interval`, because
 * p-queue reads `Date.now()` and cannot change its `intervalCap` after construction. p-queue still
 * bounds concurrency; this bounds the rate.
 */
export class AdaptiveRateLimiter {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #configured: number;
  /** Start times of the sends still inside the window, oldest first, from index #head. */
  #starts: number[] = [];
  #head = 0;
  /** Waiters take their turn in order, so a late caller never overtakes one that has waited longer. */
  #tail: Promise<unknown> = Promise.resolve();
  #factor = 1;
  #generation = 0;

  constructor(options: AdaptiveRateLimiterOptions) {
    this.#configured = options.requestsPerMinute;
    this.#clock = options.clock;
    this.#windowMs = options.windowMs ?? 60_000;
  }

  /** Share of the configured rate and concurrency in use, in [1/16, 1]. */
  get factor(): number {
    return this.#factor;
  }

  /** The rate currently allowed, per window. */
  get currentLimit(): number {
    return this.#configured === Number.POSITIVE_INFINITY ? this.#configured : Math.max(1, Math.floor(this.#configured * this.#factor));
  }

  /** Changes each time the limiter slows down; attempts remember it to tell whose 429 is news. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Waits for a send slot and takes it. `onWait` is told once, with the first wait, when the
   * caller must wait. Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(signal?: AbortSignal, onWait?: (waitMs: number) => void): Promise<void> {
    if (this.#configured === Number.POSITIVE_INFINITY) {
      signal?.throwIfAborted();
      return Promise.resolve();
    }
    const turn = this.#tail.then(() => this.#take(signal, onWait));
    this.#tail = turn.catch(() => undefined);
    return turn;
  }

  async #take(signal: AbortSignal | undefined, onWait?: (waitMs: number) => void): Promise<void> {
    let told = false;
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#clock.now();
      this.#evict(now);
      const inWindow = this.#starts.length - this.#head;
      const limit = this.currentLimit;
      if (inWindow < limit) {
        this.#starts.push(now);
        return;
      }
      // After a slowdown the window may hold more than the new limit: wait until enough leave.
      const mustLeave = this.#starts[this.#head + inWindow - limit] as number;
      const waitMs = Math.max(1, mustLeave + this.#windowMs - now);
      if (!told) {
        told = true;
        onWait?.(waitMs);
      }
      await this.#clock.sleep(waitMs, signal);
    }
  }

  #evict(now: number): void {
    const cutoff = now - this.#windowMs;
    while (this.#head < this.#starts.length && (this.#starts[this.#head] as number) <= cutoff) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#starts.length) {
      this.#starts = this.#starts.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * A send that started in `generation` got a 429. Only the first 429 among the sends made at the
   * current rate slows the limiter down: the 29 others in flight at the same moment say nothing new.
   * Returns true when the limiter slowed down.
   */
  onRateLimited(generation: number): boolean {
    if (generation !== this.#generation || this.#factor <= MIN_FACTOR) return false;
    this.#factor = Math.max(MIN_FACTOR, this.#factor / 2);
    this.#generation++;
    return true;
  }

  /** A send succeeded: win back a little of the configured rate. Returns true when the factor changed. */
  onSuccess(): boolean {
    if (this.#factor >= 1) return false;
    this.#factor = Math.min(1, this.#factor + RECOVERY_PER_SUCCESS);
    return true;
  }
}
