/**
 * A connection's turn: a FIFO async mutex. SQLite has one connection per thread here, so a transaction
 * that awaits between statements must keep every other caller's statements out until it ends; and a call
 * outside a transaction must neither read someone's uncommitted rows nor be rolled back with them.
 */
export class Turn {
  #held = false;
  readonly #waiting: (() => void)[] = [];

  /** Takes the turn at once if nobody holds it or waits for it (the hot path never yields). */
  tryTake(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  take(): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Hands the turn straight to the next in line, so nobody can jump the queue between the two. */
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}
