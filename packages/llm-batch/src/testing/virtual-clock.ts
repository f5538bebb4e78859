import type { Clock } from '../clock.js';

export interface VirtualClock extends Clock {
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[];
}

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A clock whose time only moves when someone sleeps: a sleep resolves at once (on the next turn
 * of the event loop), in wake-time order, with `now()` moved to its wake time. Backoff, Retry-After
 * and rate-limit waits of minutes then take no real time, and tests read exact durations.
 *
 * Real I/O still takes real time, which the virtual clock does not see.
 *
 * @param startEpochMs where `now()` starts, a whole second so that HTTP dates round-trip. @default 2025-01-01T00:00:00Z
 */
export function createVirtualClock(startEpochMs = Date.UTC(2025, 0, 1)): VirtualClock {
  let now = startEpochMs;
  const timers: Timer[] = [];
  const sleeps: number[] = [];
  let scheduled = false;

  // One timer per turn, earliest first, so that a sleeper woken early can register a shorter
  // sleep that then correctly fires before the later ones.
  const fireNext = () => {
    scheduled = false;
    if (timers.length === 0) return;
    timers.sort((a, b) => a.at - b.at);
    const timer = timers.shift() as Timer;
    now = Math.max(now, timer.at);
    timer.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(fireNext);
  };

  return {
    sleeps,
    now: () => now,
    sleep(ms, signal) {
      sleeps.push(ms);
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<void>((resolve, reject) => {
        const timer: Timer = {
          at: now + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          const index = timers.indexOf(timer);
          if (index >= 0) timers.splice(index, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        schedule();
      });
    },
  };
}
