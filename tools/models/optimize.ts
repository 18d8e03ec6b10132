/**
 * Nelder–Mead minimisation: no gradients needed, robust for the handful of parameters the
 * customer models have. Returns the best point and value.
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  opts: { step?: number; tolerance?: number; maxIterations?: number } = {},
): { x: number[]; value: number; iterations: number } {
  const n = start.length;
  const step = opts.step ?? 0.5;
  const tol = opts.tolerance ?? 1e-10;
  const maxIt = opts.maxIterations ?? 5000;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, v: f(x) }));
  let it = 0;
  const combine = (a: number[], b: number[], t: number) => a.map((ai, i) => ai + t * (b[i]! - ai));
  for (; it < maxIt; it++) {
    simplex.sort((p, q) => p.v - q.v);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    if (Math.abs(worst.v - best.v) <= tol * (Math.abs(best.v) + tol)) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j]!, 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.v) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, v: fe } : { x: reflected, v: fr };
    } else if (fr < simplex[n - 1]!.v) {
      simplex[n] = { x: reflected, v: fr };
    } else {
      const contracted = fr < worst.v ? combine(centroid, reflected, 0.5) : combine(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.v)) simplex[n] = { x: contracted, v: fc };
      else simplex = simplex.map((p, i) => (i === 0 ? p : { x: combine(best.x, p.x, 0.5), v: f(combine(best.x, p.x, 0.5)) }));
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  return { x: simplex[0]!.x, value: simplex[0]!.v, iterations: it };
}
