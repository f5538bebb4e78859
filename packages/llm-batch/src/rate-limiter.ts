import type { Clock } from './clock.js';

/** The share of the configured concurrency the limiter never goes below after 429s. */
const MIN_FACTOR = 1 / 16;
/** A 429 without Retry-After still calms the limiter this long: about one slow round trip. */
const MIN_CALM_MS = 1_000;

export interface AdaptiveRateLimiterOptions {
  /** Sends allowed in any window of `windowMs`; Infinity for none. */
  requestsPerMinute: number;
  clock: Clock;
  /** @default 60_000 */
  windowMs?: number;
  /**
   * How much longer than `windowMs` a send keeps its slot. Our clock stamps a send before its bytes
   * reach the provider, and the provider's window is not ours: without a margin a send placed right
   * at our window's edge can land inside the provider's previous window.
   * @default 1_000
   */
  marginMs?: number;
  /** Successes for this long after the last slowdown (or doubling) double the share back. @default 5_000 */
  recoveryIntervalMs?: number;
}

/**
 * A sliding-window rate limiter that also backs off when the provider says 429.
 *
 * - The window: no `windowMs + marginMs` span ever holds more than the cap of sends. The client
 *   takes a slot right before the send (after the request's images are loaded), so what the
 *   provider sees is what was counted.
 * - A 429 halves the share of the configured concurrency the client uses, at most once per calm
 *   period: the provider's Retry-After, or a second without one. The 29 other sends in flight when
 *   the provider started refusing, and their retries, say nothing new. New sends wait for the
 *   Retry-After, since the provider would refuse them too.
 * - The rate cap itself is not lowered: the window already holds the refused sends, and a lower cap
 *   would hold every send until enough of them leave, up to a whole minute (the old cascade: 40
 *   requests with one 429 each took 61 s). Fewer workers lower the rate as soon as they apply.
 * - Recovery: after `recoveryIntervalMs` without a 429, each success doubles the share back, so
 *   even from 1/16 the full rate returns within four intervals (20 s by default).
 *
 * It does its own timing on the injected clock rather than using p-queue's `interval`, because
 * p-queue reads `Date.now()` and cannot change its `intervalCap` after construction. p-queue still
 * bounds concurrency; this bounds the rate.
 */
export class AdaptiveRateLimiter {
  readonly #clock: Clock;
  readonly #holdMs: number;
  readonly #recoveryMs: number;
  readonly #configured: number;
  /** Start times of the sends still holding a slot, oldest first, from index #head. */
  #starts: number[] = [];
  #head = 0;
  /** Waiters take their turn in order, so a late caller never overtakes one that has waited longer. */
  #tail: Promise<unknown> = Promise.resolve();
  #factor = 1;
  #generation = 0;
  /** No slowdown before this time: the 429s until then answer sends made before the last one. */
  #calmUntil = Number.NEGATIVE_INFINITY;
  /** No send before this time: the provider's Retry-After. */
  #pausedUntil = Number.NEGATIVE_INFINITY;
  /** When the share last changed, or a 429 last came: recovery counts from here. */
  #lastChange = Number.NEGATIVE_INFINITY;

  constructor(options: AdaptiveRateLimiterOptions) {
    this.#configured = options.requestsPerMinute;
    this.#clock = options.clock;
    this.#holdMs = (options.windowMs ?? 60_000) + (options.marginMs ?? 1_000);
    this.#recoveryMs = options.recoveryIntervalMs ?? 5_000;
  }

  /** Share of the configured concurrency in use, in [1/16, 1]. */
  get factor(): number {
    return this.#factor;
  }

  /** The rate allowed, per window: the configured one (see the class comment for why 429s leave it). */
  get currentLimit(): number {
    return this.#configured;
  }

  /** Changes each time the limiter slows down; attempts remember it to tell whose 429 is news. */
  get generation(): number {
    return this.#generation;
  }

  /** Sends that still hold a slot (started less than window + margin ago). */
  get inWindow(): number {
    this.#evict(this.#clock.now());
    return this.#starts.length - this.#head;
  }

  /**
   * Waits for a send slot and takes it: call it right before sending. `onWait` is told once, with
   * the first wait, when the caller must wait. Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(signal?: AbortSignal, onWait?: (waitMs: number) => void): Promise<void> {
    if (this.#configured === Number.POSITIVE_INFINITY && this.#pausedUntil <= this.#clock.now()) {
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
      let waitMs = this.#pausedUntil - now;
      if (waitMs <= 0) {
        if (this.#configured === Number.POSITIVE_INFINITY) return;
        this.#evict(now);
        const held = this.#starts.length - this.#head;
        const limit = this.#configured;
        if (held < limit) {
          this.#starts.push(now);
          return;
        }
        const mustLeave = this.#starts[this.#head + held - limit] as number;
        waitMs = Math.max(1, mustLeave + this.#holdMs - now);
      }
      if (!told) {
        told = true;
        onWait?.(waitMs);
      }
      await this.#clock.sleep(waitMs, signal);
    }
  }

  #evict(now: number): void {
    const cutoff = now - this.#holdMs;
    while (this.#head < this.#starts.length && (this.#starts[this.#head] as number) <= cutoff) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#starts.length) {
      this.#starts = this.#starts.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * A send that started in `generation` got a 429, with the provider's Retry-After when it gave
   * one. New sends wait for that delay. The share is halved only when this 429 is news: its send
   * was made at the current rate and the calm period of the last slowdown is over.
   * Returns true when the limiter slowed down.
   */
  onRateLimited(generation: number, retryAfterMs?: number): boolean {
    const now = this.#clock.now();
    this.#lastChange = now;
    if (retryAfterMs !== undefined && retryAfterMs > 0) this.#pausedUntil = Math.max(this.#pausedUntil, now + retryAfterMs);
    if (generation !== this.#generation || now < this.#calmUntil || this.#factor <= MIN_FACTOR) return false;
    this.#factor = Math.max(MIN_FACTOR, this.#factor / 2);
    this.#generation++;
    this.#calmUntil = now + Math.max(MIN_CALM_MS, retryAfterMs ?? 0);
    return true;
  }

  /**
   * A send succeeded. Once `recoveryIntervalMs` has passed without a 429 since the last change,
   * the share doubles. Returns true when the share changed.
   */
  onSuccess(): boolean {
    if (this.#factor >= 1) return false;
    const now = this.#clock.now();
    if (now - this.#lastChange < this.#recoveryMs) return false;
    this.#factor = Math.min(1, this.#factor * 2);
    this.#lastChange = now;
    return true;
  }
}
