import type { Rng } from "../../../lib/prng.ts";
import type { DrumHit, Note, SectionKind, Style } from "../types.ts";
import type { RealChord } from "./theory.ts";

/**
 * Harmony, bass and drums, bar by bar, from per-style patterns on a sixteenth grid. How hard a section
 * plays (its intensity) is what makes a chorus lift and keeps a ballad's intro bare.
 */

export type Bar = {
  /** The bar's first sixteenth from the song's start. */
  at: number;
  chord: RealChord;
  voicing: number[];
  kind: SectionKind;
  sectionStart: boolean;
  /** The bar before a chorus gets a drum fill. */
  beforeChorus: boolean;
  last: boolean;
};

type Hit = readonly [pos: number, len: number];
type BassHit = readonly [pos: number, len: number, degree: "r" | "f" | "o"];
type Kit = { kick: number[]; snare: number[]; hat: number[]; openHat?: boolean };

const eighths = [0, 2, 4, 6, 8, 10, 12, 14];

const COMP: Record<Style, readonly Hit[] | "arp"> = {
  pop: [[0, 6], [6, 6], [12, 4]],
  rock: eighths.map((p) => [p, 2] as const),
  folk: [[0, 4], [4, 2], [6, 2], [10, 2], [12, 2], [14, 2]],
  ballad: "arp",
  electronic: [[2, 2], [6, 2], [10, 2], [14, 2]],
  lofi: [[0, 10], [10, 6]],
};
const ARP = [0, 1, 2, 3, 2, 1, 2, 1];

const BASS: Record<Style, readonly BassHit[]> = {
  pop: [[0, 6, "r"], [6, 2, "r"], [8, 6, "f"], [14, 2, "r"]],
  rock: eighths.map((p) => [p, 2, "r"] as const),
  folk: [[0, 6, "r"], [8, 6, "f"]],
  ballad: [[0, 12, "r"], [12, 4, "f"]],
  electronic: [[2, 2, "r"], [6, 2, "r"], [10, 2, "r"], [14, 2, "o"]],
  lofi: [[0, 6, "r"], [7, 3, "f"], [12, 4, "r"]],
};

const KITS: Record<Style, Kit> = {
  pop: { kick: [0, 8, 10], snare: [4, 12], hat: eighths },
  rock: { kick: [0, 6, 8], snare: [4, 12], hat: eighths },
  folk: { kick: [0, 8], snare: [4, 12], hat: [0, 4, 8, 12] },
  ballad: { kick: [0, 10], snare: [4, 12], hat: eighths },
  electronic: { kick: [0, 4, 8, 12], snare: [4, 12], hat: [2, 6, 10, 14], openHat: true },
  lofi: { kick: [0, 7, 10], snare: [4, 12], hat: eighths },
};

export const KICK = 36;
export const SIDE_STICK = 37;
export const SNARE = 38;
export const CLOSED_HAT = 42;
export const OPEN_HAT = 46;
export const CRASH = 49;

/** 0 silent, 1 light, 2 normal, 3 full. */
export function intensity(style: Style, kind: SectionKind): 0 | 1 | 2 | 3 {
  const soft = style === "ballad";
  switch (kind) {
    case "intro":
      return soft ? 0 : 1;
    case "verse":
      return soft ? 1 : 2;
    case "prechorus":
      return 2;
    case "chorus":
      return 3;
    case "bridge":
      return soft ? 1 : 2;
    case "outro":
      return 1;
  }
}

export type Backing = { harmony: Note[]; bass: Note[]; drums: DrumHit[] };

/** `time(s16)` is the second at which sixteenth `s16` of the song sounds; `end` is the song's last sixteenth. */
export function backing(style: Style, bars: readonly Bar[], end: number, time: (s16: number) => number, rng: Rng): Backing {
  const harmony: Note[] = [];
  const bass: Note[] = [];
  const drums: DrumHit[] = [];
  const note = (out: Note[], midi: number, from: number, len: number, velocity: number) => {
    const to = Math.min(from + len, end);
    if (to > from) out.push({ midi, time: time(from), duration: time(to) - time(from), velocity });
  };
  const hit = (midi: number, pos: number, velocity: number) => {
    const v = Math.min(1, Math.max(0.1, velocity + (rng() - 0.5) * 0.08));
    drums.push({ midi, time: time(pos), velocity: Math.round(v * 100) / 100 });
  };

  for (const bar of bars) {
    const level = intensity(style, bar.kind);
    const { at, chord, voicing } = bar;
    const barEnd = bar.last ? end - at : 16;

    // Harmony: the last bar holds the tonic to the end; light sections hold pads instead of comping.
    const comp = COMP[style];
    const vel = 0.35 + 0.08 * level;
    if (comp === "arp" && !bar.last) {
      eighths.forEach((p, k) => note(harmony, voicing[ARP[k]! % voicing.length]!, at + p, 4, vel + (p === 0 ? 0.08 : 0)));
    } else {
      const hits: readonly Hit[] = bar.last || level <= 1 || comp === "arp" ? [[0, barEnd]] : comp;
      for (const [p, len] of hits) for (const m of voicing) note(harmony, m, at + p, len, vel + (p === 0 ? 0.05 : 0));
    }

    // Bass: root in C2–B2, the fifth above (or below, when above would be too high).
    const root = 36 + chord.root;
    const fifth = 36 + chord.fifth + (chord.fifth < chord.root ? 12 : 0);
    const degree = { r: root, f: fifth > 50 ? fifth - 12 : fifth, o: root + 12 };
    if (level > 0) {
      const pattern: readonly BassHit[] = bar.last || level === 1 ? [[0, barEnd, "r"]] : BASS[style];
      for (const [p, len, d] of pattern) note(bass, degree[d], at + p, len, 0.6 + 0.08 * level);
    }

    // Drums.
    if (level === 0) continue;
    if (bar.last) {
      hit(CRASH, at, 0.85);
      hit(KICK, at, 0.85);
      continue;
    }
    const kit = KITS[style];
    const scale = level === 1 ? 0.7 : level === 2 ? 0.9 : 1;
    const fill = bar.beforeChorus && level >= 2;
    const inFill = (p: number) => fill && p >= 12;
    if (bar.sectionStart) hit(CRASH, at, 0.8 * scale);
    for (const p of level === 1 ? [0] : kit.kick) hit(KICK, at + p, 0.85 * scale);
    if (level === 1) hit(SIDE_STICK, at + 12, 0.5);
    else for (const p of kit.snare) if (!inFill(p)) hit(SNARE, at + p, 0.8 * scale);
    for (const p of level === 1 ? [0, 4, 8, 12] : kit.hat) {
      if (inFill(p) || (p === 0 && bar.sectionStart)) continue;
      const open = kit.openHat || (level === 3 && p === 14);
      hit(open ? OPEN_HAT : CLOSED_HAT, at + p, (p % 4 === 0 ? 0.5 : 0.4) * scale + (open ? 0.05 : 0));
    }
    if (fill) for (const p of [12, 13, 14, 15]) hit(SNARE, at + p, 0.55 + 0.1 * (p - 12));
  }
  return { harmony, bass, drums };
}
