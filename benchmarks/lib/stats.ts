/** Small statistics and formatting helpers shared by the benchmarks. */

/** The p-th percentile (0–100) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The median of any array (copied, then sorted). */
export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** A number with `digits` decimals, or `n/a` when it is not finite. */
export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** A signed difference: `+1.23` or `−0.40`. */
export function signed(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n < 0 ? `−${Math.abs(n).toFixed(digits)}` : `+${n.toFixed(digits)}`;
}
