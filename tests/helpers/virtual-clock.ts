/**
 * A clock for the client's injected `now` and `sleep`: time stands still while anything can still
 * run, and jumps to the earliest pending sleep when nothing can. Minutes of retries and pauses run in
 * milliseconds, in the order real time would give them.
 */
export class VirtualClock {
  #t: number;
  #seq = 0;
  readonly #timers: { at: number; seq: number; resolve: () => void }[] = [];

  constructor(start = Date.parse("2026-01-01T00:00:00Z")) {
    this.#t = start;
  }

  /** The current virtual time, epoch ms. */
  readonly now = (): number => this.#t;

  /** Resolves when virtual time reaches now + `ms`. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.#timers.push({ at: this.#t + Math.max(0, ms), seq: this.#seq++, resolve });
    });

  /**
   * Runs until `promise` settles, moving time forward only when nothing else can run. Fails after
   * `maxJumps` jumps (a loop that never sleeps would otherwise spin for ever).
   */
  async run<T>(promise: Promise<T>, maxJumps = 100_000): Promise<T> {
    let settled = false;
    promise.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    for (let jumps = 0; jumps <= maxJumps; ) {
      await idle();
      if (settled) return promise;
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers.shift();
      if (next === undefined) {
        // Nothing sleeps: something real (a socket, a mock's reply) is under way.
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      this.#t = Math.max(this.#t, next.at);
      next.resolve();
      jumps++;
    }
    throw new Error(`VirtualClock: still not settled after ${maxJumps} jumps of time`);
  }
}

/** Lets every pending promise, `nextTick` and immediate callback run. */
async function idle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
