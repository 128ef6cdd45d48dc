/**
 * The heap policy of the streaming commands (`sessions show`, `replay`, `export`; ADR 0098). These
 * commands turn every result row into short-lived objects, and V8's defaults size the heap for
 * throughput, not for a bounded footprint: the young generation grows to 64 MiB, and after each
 * full collection the old generation may grow to several times what is live before it is
 * collected again — dead rows that count in the process's memory. The policy keeps the young
 * generation near YOUNG_GENERATION_FREEZE_BYTES and lets the old one grow 20 % past what is live.
 * Neither is a limit: the old generation's maximum is untouched, so no input that fitted before
 * fails now; the heap is collected sooner, that is all.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Size at which the young generation (both semi-spaces) stops growing. V8 doubles it at a time,
 * and it may double once or twice more before the watch below sees it: it stays within 16 MiB.
 */
export const YOUNG_GENERATION_FREEZE_BYTES = 4 * 1024 * 1024;

/** The old generation's next collection: when it holds 20 % more than was live after the last one. */
export const OLD_GENERATION_GROWTH_FLAG = '--heap-growing-percent=20';

/** The young generation stops growing (a growth factor of 1). */
const YOUNG_GENERATION_FROZEN_FLAG = '--semi-space-growth-factor=1';

/** How often the young generation's size is looked at until it reaches the bound. */
const CHECK_EVERY_MS = 5;

/** Size of V8's young generation now, in bytes. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

let applied = false;

/**
 * Applies the policy to this process (once). Node's `--max-semi-space-size` and
 * `--heap-growing-percent` do this at start-up; here one command of a running CLI applies it. The
 * young generation grows as V8 sees fit until `freezeBytes`, then stops.
 */
export function applyStreamingHeapPolicy(freezeBytes = YOUNG_GENERATION_FREEZE_BYTES): void {
  if (applied) return;
  applied = true;
  setFlagsFromString(OLD_GENERATION_GROWTH_FLAG);
  const freezeWhenGrown = (): boolean => {
    if (youngGenerationBytes() < freezeBytes) return false;
    setFlagsFromString(YOUNG_GENERATION_FROZEN_FLAG);
    return true;
  };
  if (freezeWhenGrown()) return;
  // unref: the watch never keeps the command alive.
  const timer = setInterval(() => {
    if (freezeWhenGrown()) clearInterval(timer);
  }, CHECK_EVERY_MS).unref();
}
