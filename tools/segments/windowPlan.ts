/**
 * How to count an event over days [d0, d1] from anchored windows: a window of length L holds each
 * user's count over [anchor − L + 1, anchor]; the difference of two holds [anchor − L1 + 1,
 * anchor − L2]. Whatever the windows cover beyond the asked days is taken back from daily rows,
 * and what they miss is added from them, so the answer stays exact for any days.
 */
export type DayRange = { from: number; to: number; sign: 1 | -1 };
export type WindowTerm = { len: number; sign: 1 | -1 };
export type WindowPlan = { windows: WindowTerm[]; days: DayRange[] };

/** What reading one window costs, in days of daily rows (a window is about a row per user). */
const WINDOW_COST = 4;

/** [a0, a1] minus [b0, b1], as at most two ranges. */
function minus(a0: number, a1: number, b0: number, b1: number): [number, number][] {
  if (b1 < a0 || b0 > a1) return [[a0, a1]];
  const out: [number, number][] = [];
  if (a0 < b0) out.push([a0, b0 - 1]);
  if (b1 < a1) out.push([b1 + 1, a1]);
  return out;
}

const span = (rs: [number, number][]) => rs.reduce((n, [a, b]) => n + b - a + 1, 0);

/** The cheapest exact plan; plain daily rows when no window saves anything. */
export function planWindow(anchor: number | undefined, lengths: readonly number[], d0: number, d1: number): WindowPlan {
  let best: WindowPlan = { windows: [], days: [{ from: d0, to: d1, sign: 1 }] };
  let bestCost = d1 - d0 + 1;
  if (anchor === undefined) return best;
  for (const l1 of lengths)
    for (const l2 of [0, ...lengths]) {
      if (l2 >= l1) continue;
      const p0 = anchor - l1 + 1;
      const p1 = anchor - l2;
      const add = minus(d0, d1, p0, p1);
      const sub = minus(p0, p1, d0, d1);
      const cost = span(add) + span(sub) + WINDOW_COST * (l2 ? 2 : 1);
      if (cost >= bestCost) continue;
      bestCost = cost;
      best = {
        windows: l2 ? [{ len: l1, sign: 1 }, { len: l2, sign: -1 }] : [{ len: l1, sign: 1 }],
        days: [...add.map(([from, to]) => ({ from, to, sign: 1 as const })), ...sub.map(([from, to]) => ({ from, to, sign: -1 as const }))],
      };
    }
  return best;
}
