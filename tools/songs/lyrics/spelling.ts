import { syllable as countSyllables } from "syllable";
import type { Syllable } from "../types.ts";

/**
 * Words read from their spelling: the text of each sung syllable (karaoke shows "sum·mer", not the
 * phones), and a whole reading for words the pronouncing dictionary lacks.
 */

const isVowelAt = (w: string, i: number) => "aeiou".includes(w[i]!) || (w[i] === "y" && i > 0 && !"aeiou".includes(w[i - 1]!));

/** Consonant clusters English syllables can start with; a split gives the next syllable the longest one. */
const ONSETS = new Set(
  "bl br cl cr dr fl fr gl gr pl pr sc sk sl sm sn sp st sw tr tw th sh ch ph wh qu wr kn str spr scr shr thr squ spl".split(" "),
);

function vowelGroups(w: string): [number, number][] {
  const groups: [number, number][] = [];
  for (let i = 0; i < w.length; i++) {
    if (!isVowelAt(w, i)) continue;
    const start = i;
    while (i + 1 < w.length && isVowelAt(w, i + 1)) i++;
    groups.push([start, i + 1]);
  }
  return groups;
}

/** Where the consonants between two vowels divide: the next syllable takes the longest legal onset ("to·ge·ther", "friend·ship"), a doubled letter splits ("sum·mer"). */
function cutBetween(w: string, from: number, to: number): number {
  const cluster = w.slice(from, to);
  if (cluster.length <= 1) return from;
  for (let k = Math.min(3, cluster.length); k >= 2; k--) if (ONSETS.has(cluster.slice(-k))) return to - k;
  return to - 1;
}

/** `word` cut into `n` pieces, one per sung syllable, along its vowel groups where it can be. */
export function splitSpelling(word: string, n: number): string[] {
  if (n <= 1 || word.length <= 1) return [word];
  const w = word.toLowerCase();
  let groups = vowelGroups(w);
  // A silent final e ("fire" = fi·re is two, "time" is one) is the first group to go when there are too many.
  if (groups.length > n && w.endsWith("e") && groups.at(-1)![0] === w.length - 1) groups = groups.slice(0, -1);
  while (groups.length > n) {
    const b = groups.pop()!;
    groups[groups.length - 1]![1] = b[1];
  }
  while (groups.length < n) {
    // Split the longest vowel group: "li·on", "po·em".
    let best = -1;
    groups.forEach(([s, e], i) => {
      if (e - s >= 2 && (best < 0 || e - s > groups[best]![1] - groups[best]![0])) best = i;
    });
    if (best < 0) break;
    const [s, e] = groups[best]!;
    groups.splice(best, 1, [s, s + 1], [s + 1, e]);
  }
  if (groups.length < n) {
    // No vowels to go by ("rhythm" = 2): even slices, so every syllable still has text.
    const size = word.length / n;
    return Array.from({ length: n }, (_, i) => word.slice(Math.round(i * size), Math.round((i + 1) * size))).filter((p) => p);
  }
  const cuts = [0];
  for (let i = 0; i + 1 < groups.length; i++) cuts.push(cutBetween(w, groups[i]![1], groups[i + 1]![0]));
  cuts.push(word.length);
  return cuts.slice(0, -1).map((c, i) => word.slice(c, cuts[i + 1]));
}

const LETTER_VOWEL: Readonly<Record<string, Syllable["vowel"]>> = { a: "a", e: "e", i: "i", o: "o", u: "u", y: "i" };

/** The vowel a piece of spelling is sung on: its first vowel letter. */
export function vowelOfSpelling(piece: string): Syllable["vowel"] {
  const p = piece.toLowerCase();
  for (let i = 0; i < p.length; i++) if (isVowelAt(p, i)) return LETTER_VOWEL[p[i]!] ?? "e";
  return "e";
}

/** A word the dictionary lacks: syllables counted by `syllable`, stress on the first (English's commonest pattern). */
export function spelledSyllables(word: string, withStress: boolean): Syllable[] {
  const n = Math.max(1, countSyllables(word));
  const pieces = splitSpelling(word, n);
  return pieces.map((text, i) => ({
    text,
    vowel: vowelOfSpelling(text),
    ...(withStress ? { stress: (i === 0 ? 1 : 0) as 0 | 1 } : {}),
    wordEnd: i === pieces.length - 1,
  }));
}

/** A spelling-based rhyme part ("-ight") for a word without phones: its last sounded vowel group to the end. */
export function spelledRhyme(word: string): string {
  const w = word.toLowerCase().replace(/[^a-z]/g, "");
  let groups = vowelGroups(w);
  if (groups.length > 1 && w.endsWith("e") && groups.at(-1)![0] === w.length - 1) groups = groups.slice(0, -1);
  const last = groups.at(-1);
  return "-" + (last ? w.slice(last[0]) : w);
}
