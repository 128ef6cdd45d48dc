import type { ChunkPlan } from './query-answer.js';
import type { DeliveryState } from './proxy-context.js';
import type { SessionEntry } from './session-table.js';
import { newHandle } from './handles.js';

/** One chunk capability: an unguessable id standing for an origin URL and its SSE-C headers. */
export interface ChunkCapability {
  plan: ChunkPlan;
  delivery: DeliveryState;
  expiresAt: number;
}

/** The URL path prefix of chunk capabilities on the driver-facing listener. */
export const CHUNK_PATH_PREFIX = '/__snowtrail/chunks/';

/**
 * Capabilities live as long as their session, capped at `ttlMs` (presigned URLs expire too; after
 * that the driver's 403-refresh re-fetches the result and gets fresh capabilities).
 */
export class ChunkRegistry {
  private readonly caps = new Map<string, ChunkCapability>();
  constructor(private readonly ttlMs = 6 * 3600_000) {}

  /** Issues a capability for a chunk and returns its id. */
  issue(plan: ChunkPlan, delivery: DeliveryState, now: number): string {
    const id = newHandle('chunk');
    this.caps.set(id, { plan, delivery, expiresAt: now + this.ttlMs });
    return id;
  }

  /** The capability for an id, if live and its session still is. */
  get(id: string, now: number): ChunkCapability | undefined {
    const c = this.caps.get(id);
    if (!c) return undefined;
    if (c.expiresAt <= now || c.delivery.entry.expiresAt <= now) {
      this.caps.delete(id);
      return undefined;
    }
    return c;
  }

  /** Drops every capability of a session (logout, expiry). */
  dropSession(entry: SessionEntry): void {
    for (const [id, c] of this.caps) if (c.delivery.entry === entry) this.caps.delete(id);
  }

  /** Drops the capabilities of one result delivery (its answer was not released). */
  dropDelivery(delivery: DeliveryState): void {
    for (const [id, c] of this.caps) if (c.delivery === delivery) this.caps.delete(id);
  }

  /** Drops expired capabilities. */
  sweep(now: number): void {
    for (const [id, c] of this.caps) if (c.expiresAt <= now || c.delivery.entry.expiresAt <= now) this.caps.delete(id);
  }

  /** Number of live capabilities. */
  get size(): number {
    return this.caps.size;
  }
}
