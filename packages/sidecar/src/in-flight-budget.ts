/**
 * The process-wide budget of request body bytes held in memory. Each request takes a reservation and
 * charges what it buffers; a charge that would pass the limit while other requests hold bytes fails
 * with a busy error (the driver gets a retryable 429). A request alone may always use its endpoint's
 * full cap, so one legitimate large request is never starved.
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
      if (others > 0 && this.used + bytes > this.limit) throw new SidecarBusyError(this.limit);
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
