/**
 * A cap on reviews in progress. A review holds a slot from its arrival until its answer is flushed (or the
 * client goes away): its body, its parsed pod and its answer are what take memory, and its mutation is what
 * takes the event loop. A review over the cap waits briefly without its body being read; if no slot frees
 * up in time it is refused (429), so that the probes and the other reviews keep being answered.
 */

export interface ReviewSlots {
  /**
   * Calls `granted` once a slot is held (at once when one is free), or `refused` after `maxWaitMs`.
   * Returns a cancel function for a client that went away while waiting.
   */
  acquire(granted: () => void, refused: () => void): () => void;
  /** Gives back a slot taken by `granted`. */
  release(): void;
  inUse(): number;
}

interface Waiter {
  granted: () => void;
  timer: NodeJS.Timeout;
}

export function reviewSlots(max: number, maxWaitMs: number): ReviewSlots {
  let used = 0;
  const waiting: Waiter[] = [];
  return {
    acquire(granted, refused) {
      if (used < max && waiting.length === 0) {
        used += 1;
        granted();
        return () => undefined;
      }
      const waiter: Waiter = {
        granted,
        timer: setTimeout(() => {
          const index = waiting.indexOf(waiter);
          if (index !== -1) waiting.splice(index, 1);
          refused();
        }, maxWaitMs),
      };
      waiting.push(waiter);
      return () => {
        const index = waiting.indexOf(waiter);
        if (index === -1) return;
        waiting.splice(index, 1);
        clearTimeout(waiter.timer);
      };
    },
    release() {
      const next = waiting.shift();
      if (next === undefined) {
        used -= 1;
        return;
      }
      clearTimeout(next.timer);
      next.granted();
    },
    inUse: () => used,
  };
}
