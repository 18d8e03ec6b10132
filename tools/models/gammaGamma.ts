import { lnGamma } from "./special.ts";
import { nelderMead } from "./optimize.ts";

/**
 * Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value"): per customer
 * with x ≥ 1 repeat transactions of mean value m.
 */
export type Spend = { x: number; m: number };
export type GammaGammaParams = { p: number; q: number; gamma: number };

export function gammaGammaLogLikelihood({ p, q, gamma }: GammaGammaParams, { x, m }: Spend): number {
  return (
    lnGamma(p * x + q) - lnGamma(p * x) - lnGamma(q) + q * Math.log(gamma) + (p * x - 1) * Math.log(m) + p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + m * x)
  );
}

export function fitGammaGamma(data: readonly Spend[]): GammaGammaParams & { logLikelihood: number } {
  const usable = data.filter((d) => d.x > 0 && d.m > 0);
  if (!usable.length) throw new Error("no repeat customers with spend to fit");
  const negLL = (v: number[]) => {
    const params = { p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) };
    let s = 0;
    for (const d of usable) s += gammaGammaLogLikelihood(params, d);
    return Number.isFinite(s) ? -s : Infinity;
  };
  let best = nelderMead(negLL, [0, 0, 0], { tolerance: 1e-12 });
  best = nelderMead(negLL, best.x, { tolerance: 1e-13, step: 0.05 });
  const [p, q, gamma] = best.x.map(Math.exp) as [number, number, number];
  return { p, q, gamma, logLikelihood: -best.value };
}

/** E[M | x, m]: a customer's expected mean spend per transaction. */
export function expectedSpend({ p, q, gamma }: GammaGammaParams, { x, m }: Spend): number {
  return (p * (gamma + m * x)) / (p * x + q - 1);
}
