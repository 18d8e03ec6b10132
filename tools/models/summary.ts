/** One customer's purchases, one entry per purchase day (several transactions on a day count as one). */
export type PurchaseDay = { customer: string; day: number; amount: number };

export type CustomerSummary = {
  customer: string;
  /** Repeat transactions in the calibration window: purchase days after the first. */
  x: number;
  tx: number;
  T: number;
  /** Mean value of the repeat transactions (0 when none). */
  m: number;
  /** Repeat transactions in the holdout window. */
  holdoutX: number;
};

/**
 * The (x, t_x, T) summary the customer models fit on: a customer's birth is the first purchase
 * day; T runs from it to the calibration end; times are in `unitDays` (7 for weeks). Only
 * customers whose first purchase falls inside the calibration window are summarised.
 */
export function summarise(purchases: readonly PurchaseDay[], calibrationEndDay: number, unitDays: number, holdoutEndDay = calibrationEndDay): CustomerSummary[] {
  const byCustomer = new Map<string, Map<number, number>>();
  for (const p of purchases) {
    let days = byCustomer.get(p.customer);
    if (!days) byCustomer.set(p.customer, (days = new Map()));
    days.set(p.day, (days.get(p.day) ?? 0) + p.amount);
  }
  const out: CustomerSummary[] = [];
  for (const [customer, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    if (first > calibrationEndDay) continue;
    const repeats = sorted.slice(1).filter((d) => d <= calibrationEndDay);
    const last = repeats.length ? repeats[repeats.length - 1]! : first;
    out.push({
      customer,
      x: repeats.length,
      tx: (last - first) / unitDays,
      T: (calibrationEndDay - first) / unitDays,
      m: repeats.length ? repeats.reduce((s, d) => s + days.get(d)!, 0) / repeats.length : 0,
      holdoutX: sorted.filter((d) => d > calibrationEndDay && d <= holdoutEndDay).length,
    });
  }
  return out;
}
