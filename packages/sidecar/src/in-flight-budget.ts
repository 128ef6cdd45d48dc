/**
 * The process-wide budget of request body memory. Each request takes a reservation and charges what
 * it holds; a charge that would pass the limit while other requests hold bytes fails with a busy
 * error (the driver gets a retryable 429). Large requests (past `smallBytes`) may use the budget only
 * up to `limit - reserve`, so small ones (logins, ordinary statements) keep being served while large
 * bodies are in flight. A request alone always fits: endpoint caps are sized to the large share.
 */

import { SIDECAR_ERRORS } from './errors.js';

/** Thrown when a charge does not fit the budget. */
export class SidecarBusyError extends Error {
  readonly code = SIDECAR_ERRORS.busy;
  constructor(readonly limit: number) {
    super(`request bodies in flight would exceed the sidecar's budget of ${limit} bytes`);
    this.name = 'SidecarBusyError';
  }
}

/** One request's share of the budget. */
export interface BudgetReservation {
  /** Bytes this request holds. */
  readonly bytes: number;
  /** Adds bytes; throws SidecarBusyError when they do not fit. */
  charge(bytes: number): void;
  /** Returns every byte to the budget (idempotent). */
  release(): void;
}

/** The budget shared by every request of the process. */
export class InFlightBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    private readonly onChange: (used: number) => void = () => undefined,
    private readonly smallReserve = 0,
    private readonly smallBytes = Infinity,
  ) {}

  /** Bytes held by all requests now. */
  get inUse(): number {
    return this.used;
  }

  /** Opens a reservation of zero bytes. */
  reserve(): BudgetReservation {
    let mine = 0;
    let released = false;
    const take = (bytes: number): void => {
      if (released) throw new SidecarBusyError(this.limit);
      const others = this.used - mine;
      const ceiling = mine + bytes > this.smallBytes ? this.limit - this.smallReserve : this.limit;
      if (others > 0 && this.used + bytes > ceiling) throw new SidecarBusyError(this.limit);
      mine += bytes;
      this.used += bytes;
      this.onChange(this.used);
    };
    const giveBack = (): void => {
      if (released) return;
      released = true;
      this.used -= mine;
      mine = 0;
      this.onChange(this.used);
    };
    return {
      get bytes() {
        return mine;
      },
      charge: take,
      release: giveBack,
    };
  }
}
