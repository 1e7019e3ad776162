/**
 * Runs the pages of every replaying socket of a server, round-robin, for at most `budgetMs` per
 * turn of the event loop, then yields (`setImmediate`) so that HTTP requests, the engine's ticks
 * and live events go on between pages: ten sockets replaying a long log share one budget instead
 * of each taking the loop for a page in turn.
 */
export interface ReplayPump {
  /** Queues one page of work; it runs on a later turn, after those queued before it. */
  schedule(page: () => void): void;
  /** Drops every queued page (the server is closing). */
  clear(): void;
}

/** Makes a pump that spends at most `budgetMs` of each event-loop turn on pages. */
export function createReplayPump(budgetMs = 4): ReplayPump {
  let queue: Array<() => void> = [];
  let next: Array<() => void> = [];
  let scheduled = false;
  const run = (): void => {
    scheduled = false;
    // Pages queued while this turn runs wait for the next turn: a socket cannot hog a turn.
    [queue, next] = [next, queue];
    const deadline = performance.now() + budgetMs;
    while (queue.length > 0) {
      if (performance.now() > deadline) break;
      (queue.shift() as () => void)();
    }
    if (queue.length > 0) next.unshift(...queue.splice(0));
    if (next.length > 0) arm();
  };
  const arm = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(run);
  };
  return {
    schedule(page) {
      next.push(page);
      arm();
    },
    clear() {
      queue = [];
      next = [];
    },
  };
}
