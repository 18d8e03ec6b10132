import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectedPurchases, fitBgNbd, pAlive } from "../tools/models/bgnbd.ts";
import { expectedSpend, fitGammaGamma } from "../tools/models/gammaGamma.ts";
import { hyp2f1, lnGamma } from "../tools/models/special.ts";
import { summarise } from "../tools/models/summary.ts";

const SAMPLE = join(import.meta.dirname, "fixtures/cdnow/CDNOW_sample.txt");
const day = (s: string) => Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8)) / 86_400_000;

function cdnowSample() {
  return readFileSync(SAMPLE, "utf8")
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .map((c) => ({ customer: c[1]!, day: day(c[2]!), amount: Number(c[4]) }));
}

const within = (actual: number, expected: number, rel: number) => expect(Math.abs(actual / expected - 1)).toBeLessThan(rel);

describe("special functions", () => {
  it("lnGamma and 2F1 agree with known values", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 12);
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(-Math.log(0.5) / 0.5, 12); // 2F1(1,1;2;z) = -ln(1-z)/z
  });
});

describe("CLV models on the CDNOW sample (Fader, Hardie & Lee 2005)", () => {
  const customers = summarise(cdnowSample(), day("19970930"), 7, day("19980630"));

  it("summarises 2,357 customers over a 39-week calibration", () => {
    expect(customers).toHaveLength(2357);
    expect(Math.max(...customers.map((c) => c.T))).toBeCloseTo(272 / 7, 10);
    expect(customers.filter((c) => c.x > 0)).toHaveLength(946);
  });

  it("BG/NBD reproduces the published estimates within 1%", () => {
    const fit = fitBgNbd(customers);
    within(fit.r, 0.243, 0.01);
    within(fit.alpha, 4.414, 0.01);
    within(fit.a, 0.793, 0.01);
    within(fit.b, 2.426, 0.01);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
    // Someone who bought often and recently is likelier alive than someone equally frequent but long gone.
    expect(pAlive(fit, { x: 4, tx: 38, T: 38.86 })).toBeGreaterThan(pAlive(fit, { x: 4, tx: 8, T: 38.86 }));
    const predicted = customers.reduce((s, c) => s + expectedPurchases(fit, c, 39), 0);
    const actual = customers.reduce((s, c) => s + c.holdoutX, 0);
    expect(actual).toBe(1882);
    within(predicted, actual, 0.15);
  });

  it("Gamma-Gamma reproduces the published spend estimates (p 6.25, q 3.74, γ 15.44)", () => {
    const fit = fitGammaGamma(customers.map((c) => ({ x: c.x, m: c.m })));
    within(fit.p, 6.25, 0.01);
    within(fit.q, 3.74, 0.01);
    within(fit.gamma, 15.44, 0.01);
    // Shrinkage: a one-off big spender's expected spend lies between the population mean and their own.
    const own = 200;
    const e = expectedSpend(fit, { x: 1, m: own });
    expect(e).toBeLessThan(own);
    expect(e).toBeGreaterThan((fit.p * fit.gamma) / (fit.q - 1));
  });
});
