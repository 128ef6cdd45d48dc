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
 * that the driver's 403-refresh re-fetches the result and gets fresh capabilities). Each delivery
 * keeps the ids it was issued, so dropping one delivery (a re-fetch replaces it) costs its own size.
 */
export class ChunkRegistry {
  private readonly caps = new Map<string, ChunkCapability>();
  private readonly byDelivery = new Map<DeliveryState, Set<string>>();
  constructor(
    private readonly ttlMs = 6 * 3600_000,
    private readonly onSize: (size: number) => void = () => undefined,
  ) {}

  /** Issues a capability for a chunk and returns its id. */
  issue(plan: ChunkPlan, delivery: DeliveryState, now: number): string {
    const id = newHandle('chunk');
    this.caps.set(id, { plan, delivery, expiresAt: now + this.ttlMs });
    let ids = this.byDelivery.get(delivery);
    if (!ids) this.byDelivery.set(delivery, (ids = new Set()));
    ids.add(id);
    this.onSize(this.caps.size);
    return id;
  }

  /** The capability for an id, if live and its session still is. */
  get(id: string, now: number): ChunkCapability | undefined {
    const c = this.caps.get(id);
    if (!c) return undefined;
    if (c.expiresAt <= now || c.delivery.entry.expiresAt <= now) {
      this.delete(id, c);
      return undefined;
    }
    return c;
  }

  /** Drops every capability of a session (logout, expiry). */
  dropSession(entry: SessionEntry): void {
    for (const d of [...this.byDelivery.keys()]) if (d.entry === entry) this.dropDelivery(d);
  }

  /** Drops the capabilities of one result delivery (not released, or replaced by a re-fetch). */
  dropDelivery(delivery: DeliveryState): void {
    const ids = this.byDelivery.get(delivery);
    if (!ids) return;
    for (const id of ids) this.caps.delete(id);
    this.byDelivery.delete(delivery);
    this.onSize(this.caps.size);
  }

  /** Drops expired capabilities. */
  sweep(now: number): void {
    for (const [id, c] of this.caps) if (c.expiresAt <= now || c.delivery.entry.expiresAt <= now) this.delete(id, c);
  }

  /** Number of live capabilities. */
  get size(): number {
    return this.caps.size;
  }

  private delete(id: string, c: ChunkCapability): void {
    this.caps.delete(id);
    const ids = this.byDelivery.get(c.delivery);
    ids?.delete(id);
    if (ids && ids.size === 0) this.byDelivery.delete(c.delivery);
    this.onSize(this.caps.size);
  }
}
