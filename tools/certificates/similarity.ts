/**
 * How much a melody resembles earlier ones: the interval sequence (transposition-free) cut into
 * n-grams, compared by containment — the share of this melody's n-grams found in the other. A tune
 * copied in a different key scores 1; unrelated tunes share only common stepwise patterns.
 */
const N = 4;

export function melodyIntervals(pitches: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < pitches.length; i++) out.push(pitches[i]! - pitches[i - 1]!);
  return out;
}

function grams(intervals: number[]): Set<string> {
  const s = new Set<string>();
  for (let i = 0; i + N <= intervals.length; i++) s.add(intervals.slice(i, i + N).join(","));
  return s;
}

export function containment(a: number[], b: number[]): number {
  const ga = grams(a);
  if (ga.size === 0) return 0;
  const gb = grams(b);
  let shared = 0;
  for (const g of ga) if (gb.has(g)) shared++;
  return shared / ga.size;
}

/** The closest earlier melody and its score (0 when there is none to compare). */
export function mostSimilar(melody: number[], earlier: { id: string; melody: number[] }[]): { score: number; songId: string | null; compared: number } {
  let best = { score: 0, songId: null as string | null };
  for (const e of earlier) {
    const score = containment(melody, e.melody);
    if (score > best.score) best = { score, songId: e.id };
  }
  return { score: Math.round(best.score * 1000) / 1000, songId: best.songId, compared: earlier.length };
}
