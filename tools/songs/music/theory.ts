import { Chord, Note, Progression, Scale } from "tonal";
import { pick, type Rng } from "../../../lib/prng.ts";
import type { Mood, SectionKind, Style } from "../types.ts";

/**
 * Key, tempo and harmony tables. Progressions are written the way a musician would (lower case =
 * minor, b = flattened degree of the tonic's major scale) and realised with tonal, so any tonic works.
 */

export type Mode = "major" | "minor";
export type Role = "verse" | "prechorus" | "chorus" | "bridge";

/** A chord as the arranger uses it: its symbol, pitch classes (0–11) and root / fifth classes. */
export type RealChord = { symbol: string; pcs: number[]; root: number; fifth: number };

const MINOR_MOODS: readonly Mood[] = ["sad", "nostalgic"];

const BASE_BPM: Record<Style, number> = { pop: 100, rock: 126, folk: 92, ballad: 72, electronic: 124, lofi: 78 };
const MOOD_BPM: Record<Mood, number> = { happy: 8, sad: -10, calm: -8, energetic: 14, romantic: -4, nostalgic: -6 };

// Only tonics whose key signature MIDI can name, spelled as tonal spells their scales.
const MAJOR_TONICS = ["C", "D", "Eb", "E", "F", "G", "A", "Bb"] as const;
const MINOR_TONICS = ["A", "B", "C", "D", "E", "F#", "G"] as const;

type Table = Record<Role, readonly string[]>;

const MAJOR: Record<Style, Table> = {
  pop: { verse: ["I", "V", "vi", "IV"], prechorus: ["ii", "iii", "IV", "V"], chorus: ["IV", "V", "iii", "vi"], bridge: ["vi", "IV", "I", "V"] },
  rock: { verse: ["I", "bVII", "IV", "I"], prechorus: ["IV", "IV", "V", "V"], chorus: ["I", "V", "vi", "IV"], bridge: ["vi", "IV", "V", "V"] },
  folk: { verse: ["I", "IV", "I", "V"], prechorus: ["ii", "V", "ii", "V"], chorus: ["IV", "I", "V", "I"], bridge: ["vi", "IV", "I", "V"] },
  ballad: { verse: ["I", "vi", "IV", "V"], prechorus: ["ii", "iii", "IV", "V"], chorus: ["IV", "V", "iii", "vi"], bridge: ["ii", "V", "iii", "vi"] },
  electronic: { verse: ["vi", "IV", "I", "V"], prechorus: ["ii", "ii", "V", "V"], chorus: ["I", "V", "vi", "IV"], bridge: ["IV", "IV", "V", "V"] },
  lofi: { verse: ["ii7", "V7", "Imaj7", "vi7"], prechorus: ["ii7", "V7", "ii7", "V7"], chorus: ["IVmaj7", "iii7", "vi7", "V7"], bridge: ["IVmaj7", "IVmaj7", "iii7", "vi7"] },
};

const MINOR_DEFAULT: Table = { verse: ["i", "bVI", "bIII", "bVII"], prechorus: ["iv", "v", "bVI", "bVII"], chorus: ["bVI", "bVII", "i", "i"], bridge: ["iv", "bVII", "bIII", "bVI"] };
const MINOR: Record<Style, Table> = {
  pop: MINOR_DEFAULT,
  ballad: MINOR_DEFAULT,
  folk: { ...MINOR_DEFAULT, verse: ["i", "iv", "i", "bVII"] },
  rock: { ...MINOR_DEFAULT, verse: ["i", "bVII", "bVI", "bVII"], chorus: ["i", "bVI", "bIII", "bVII"] },
  electronic: { ...MINOR_DEFAULT, chorus: ["bVI", "bIII", "bVII", "i"] },
  lofi: { verse: ["im7", "iv7", "bVII7", "bIIImaj7"], prechorus: ["iv7", "v7", "bVImaj7", "bVII7"], chorus: ["bVImaj7", "v7", "im7", "im7"], bridge: ["iv7", "bVII7", "bIIImaj7", "bVImaj7"] },
};

export function modeFor(mood: Mood): Mode {
  return MINOR_MOODS.includes(mood) ? "minor" : "major";
}

export function tonicFor(mode: Mode, rng: Rng): string {
  return pick(rng, mode === "major" ? MAJOR_TONICS : MINOR_TONICS);
}

/** The tempo the style and mood ask for, before it is bent to fit whole bars into the duration. */
export function targetBpm(style: Style, mood: Mood, rng: Rng): number {
  const jitter = Math.round((rng() - 0.5) * 8);
  return Math.min(150, Math.max(60, BASE_BPM[style] + MOOD_BPM[mood] + jitter));
}

export function roleOf(kind: SectionKind): Role {
  return kind === "chorus" || kind === "bridge" || kind === "prechorus" ? kind : "verse";
}

/** tonal reads "vi" as a major chord on the 6th, so the minor quality is spelled out ("VIm", "IIm7"). */
function toTonalNumeral(numeral: string): string {
  const m = /^([b#]?)(iv|vi{0,2}|i{1,3}|IV|VI{0,2}|I{1,3})(.*)$/.exec(numeral);
  if (!m || !m[2]) throw new Error(`bad roman numeral ${numeral}`);
  const [, acc, deg, rest] = m as unknown as [string, string, string, string];
  if (deg === deg.toUpperCase()) return numeral;
  return acc + deg.toUpperCase() + (rest.startsWith("m") ? rest : "m" + rest);
}

function realise(symbol: string): RealChord {
  const c = Chord.get(symbol);
  if (c.empty || !c.tonic) throw new Error(`tonal cannot read chord ${symbol}`);
  const pcs = c.notes.map((n) => Note.chroma(n));
  return { symbol, pcs, root: pcs[0]!, fifth: pcs[2] ?? pcs[0]! };
}

export type Harmony = {
  tonic: string;
  mode: Mode;
  scale: number[];
  tonicChord: RealChord;
  /** The chord of bar `i` (0-based) of a section with the given role. */
  progression: (role: Role) => RealChord[];
  /** The cadence that ends the song: the last entry is the tonic chord. */
  cadence: RealChord[];
};

export function harmonyFor(style: Style, tonic: string, mode: Mode): Harmony {
  const table = (mode === "major" ? MAJOR : MINOR)[style];
  const chords = (numerals: readonly string[]) => Progression.fromRomanNumerals(tonic, numerals.map(toTonalNumeral)).map(realise);
  const byRole = new Map<Role, RealChord[]>((["verse", "prechorus", "chorus", "bridge"] as const).map((r) => [r, chords(table[r])]));
  const seventh = style === "lofi";
  const cadence = chords(mode === "major" ? ["IV", "V", seventh ? "Imaj7" : "I"] : ["iv", "bVII", seventh ? "im7" : "i"]);
  return {
    tonic,
    mode,
    scale: Scale.get(`${tonic} ${mode}`).notes.map((n) => Note.chroma(n)),
    tonicChord: cadence[cadence.length - 1]!,
    progression: (role) => byRole.get(role)!,
    cadence,
  };
}

/** A close voicing in the pad's register (F3–C5) that moves as little as possible from `prev`. */
export function voice(chord: RealChord, prev: number[] | null): number[] {
  let best: number[] = [];
  let bestCost = Infinity;
  for (let rot = 0; rot < chord.pcs.length; rot++) {
    const order = [...chord.pcs.slice(rot), ...chord.pcs.slice(0, rot)];
    for (let bottom = 53; bottom <= 64; bottom++) {
      if (bottom % 12 !== order[0]) continue;
      const v = [bottom];
      for (const pc of order.slice(1)) {
        const top = v[v.length - 1]!;
        v.push(top + ((pc - (top % 12) + 12) % 12 || 12));
      }
      if (v[v.length - 1]! > 74) continue;
      const cost = prev && prev.length === v.length ? v.reduce((s, n, i) => s + Math.abs(n - prev[i]!), 0) : Math.abs(v[0]! - 57) * 2;
      if (cost < bestCost) [best, bestCost] = [v, cost];
    }
  }
  return best;
}
