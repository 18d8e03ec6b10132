import { hyp2f1, lnBeta, lnGamma } from "./special.ts";
import { nelderMead } from "./optimize.ts";

/**
 * BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): repeat purchases of
 * non-contractual customers. Per customer: x repeat transactions, the last at t_x, observed for T
 * (all in one time unit, from the first purchase).
 */
export type Rfm = { x: number; tx: number; T: number };
export type BgNbdParams = { r: number; alpha: number; a: number; b: number };

/** ln L of one customer (FHL 2005, eq. 6). */
export function bgnbdLogLikelihood({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const a2 = lnBeta(a, b + x) - lnBeta(a, b);
  const a3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return a1 + a2 + a3;
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  const m = Math.max(a3, a4);
  return a1 + a2 + m + Math.log(Math.exp(a3 - m) + Math.exp(a4 - m));
}

/** Collapses customers with the same (x, t_x, T): the likelihood is evaluated once per pattern. */
function patterns(data: readonly Rfm[]) {
  const map = new Map<string, { c: Rfm; n: number }>();
  for (const c of data) {
    const k = `${c.x}|${c.tx}|${c.T}`;
    const hit = map.get(k);
    if (hit) hit.n++;
    else map.set(k, { c, n: 1 });
  }
  return [...map.values()];
}

/** Maximum-likelihood fit (Nelder–Mead on the log parameters, so they stay positive). */
export function fitBgNbd(data: readonly Rfm[]): BgNbdParams & { logLikelihood: number; iterations: number } {
  if (!data.length) throw new Error("no customers to fit");
  const ps = patterns(data);
  const negLL = (v: number[]) => {
    const p = { r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) };
    let s = 0;
    for (const { c, n } of ps) s += n * bgnbdLogLikelihood(p, c);
    return Number.isFinite(s) ? -s : Infinity;
  };
  let best = nelderMead(negLL, [0, 0, 0, 0], { tolerance: 1e-12 });
  best = nelderMead(negLL, best.x, { tolerance: 1e-13, step: 0.05 }); // restart: Nelder–Mead can stall
  const [r, alpha, a, b] = best.x.map(Math.exp) as [number, number, number, number];
  return { r, alpha, a, b, logLikelihood: -best.value, iterations: best.iterations };
}

/** P(alive | x, t_x, T) (FHL 2005, eq. 11). */
export function pAlive({ r, alpha, a, b }: BgNbdParams, { x, tx, T }: Rfm): number {
  if (x === 0) return 1;
  return 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
}

/** E[Y(t) | x, t_x, T]: expected repeat purchases in the next t units (FHL 2005, eq. 10). */
export function expectedPurchases(p: BgNbdParams, c: Rfm, t: number): number {
  const { r, alpha, a, b } = p;
  const { x, T } = c;
  const z = t / (alpha + T + t);
  const head = (a + b + x - 1) / (a - 1);
  const body = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z);
  const tail = x > 0 ? (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + c.tx), r + x) : 0;
  return (head * body) / (1 + tail);
}
