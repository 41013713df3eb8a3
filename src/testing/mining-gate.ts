/**
 * Keeps a node's reads and its mining apart, so a read pinned to a block gets that block's state.
 *
 * anvil (1.7.1) answers a state read (eth_getBalance, eth_getProof, ...) at its own latest block
 * from its live database: `Backend::with_database_at` compares the block with the latest number,
 * then awaits the database lock, which `anvil_mine` holds while it executes the next block. A read
 * pinned to block N (by hash or number) that lands while N+1 is being mined waits for that lock and
 * then reads N+1's state. A real node reads a block's state from that block's state root and never
 * does this; the service cannot tell (only a proof could, VERIFY_PROOFS). The flapping test saw it
 * as "got the balance of N+1 at N", cached and served until the head moved on.
 *
 * So the rig gives each synced node a gate: calls forwarded to the node (the fault proxy) are
 * readers, `anvil_mine` is exclusive. A mine waits for the calls in flight and holds new ones until
 * the node has the new block, as a real node, whose state at a block never changes, would look.
 */
export class MiningGate {
  private readers = 0;
  /** Set while a mine waits for readers or runs; new readers wait for it. */
  private mining: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  /** Calls forwarded at once (readers), for tests. */
  get inFlight(): number {
    return this.readers;
  }

  /** Waits while a mine is pending or running, then counts the caller as a reader. */
  async enter(): Promise<void> {
    while (this.mining !== undefined) await this.mining;
    this.readers++;
  }

  /** A reader is done (its reply came back, or its request failed). Call once per enter(). */
  leave(): void {
    this.readers--;
    if (this.readers === 0) this.drained?.();
  }

  /**
   * Runs `mine` alone: after the readers in flight are done, with new readers held until it settles.
   * Mines do not overlap (the cluster mines one block at a time).
   */
  async exclusive<T>(mine: () => Promise<T>): Promise<T> {
    while (this.mining !== undefined) await this.mining;
    let release!: () => void;
    this.mining = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.readers > 0) {
        await new Promise<void>((resolve) => (this.drained = resolve));
        this.drained = undefined;
      }
      return await mine();
    } finally {
      this.mining = undefined;
      release();
    }
  }
}
