import type { LyricSection, Lyrics, SectionKind, SongLanguage } from "../types.ts";
import { readLine } from "./line.ts";
import { MAX_SINGABLE, maxLines } from "./plan.ts";

/** Section markers, matched lower-cased with spaces, dashes and a trailing number removed ("Pre-Chorus 2" → "prechorus"). */
const MARKERS: Readonly<Record<string, SectionKind>> = {
  verse: "verse", chorus: "chorus", bridge: "bridge", prechorus: "prechorus", intro: "intro", outro: "outro",
  hook: "chorus", refrain: "chorus",
  主歌: "verse", 副歌: "chorus", 桥段: "bridge", 前副歌: "prechorus", 预副歌: "prechorus", 导歌: "prechorus",
  前奏: "intro", 引子: "intro", 尾奏: "outro", 尾声: "outro", 结尾: "outro",
};
const ACCEPTED = "[Verse], [Chorus], [Pre-Chorus], [Bridge], [Intro], [Outro] (or 主歌, 副歌, 前副歌, 桥段, 前奏, 尾声)";

const markerKey = (name: string) =>
  name
    .toLowerCase()
    .replace(/[:：]\s*$/, "")
    .replace(/[\s_-]*(\d+|[一二三四五六七八九十]+)$/u, "")
    .replace(/[\s_-]+/g, "");

/** A line that is a marker: "[Verse 1]", "【副歌】", "[Chorus] first line", or a bare "Chorus:" / "副歌". */
function markerOf(line: string): { kind?: SectionKind; unknown?: string; label: string; rest: string } | undefined {
  const bracketed = /^[[【]\s*([^\]】]*?)\s*[\]】]\s*(.*)$/u.exec(line);
  if (bracketed) {
    const kind = MARKERS[markerKey(bracketed[1]!)];
    const label = `[${bracketed[1]!}]`;
    return kind ? { kind, label, rest: bracketed[2]! } : { unknown: bracketed[1]!, label, rest: "" };
  }
  const bare = /^([^\s:：]+(?:[\s-][^\s:：]+)?)\s*[:：]?$/u.exec(line);
  const kind = bare ? MARKERS[markerKey(bare[1]!)] : undefined;
  return kind ? { kind, label: line, rest: "" } : undefined;
}

/**
 * A user's (or a model's) lyrics, split into sections by their markers and read for singing; lines
 * before any marker are a verse. Everything wrong is returned at once, each naming its line, so an
 * API can answer one 400 listing them all. Rhyme is not checked here (users may write unrhymed
 * lyrics); validateLyrics does that. English needs `await loadPronunciations("en")` first.
 */
export function parseLyrics(
  text: string,
  language: SongLanguage,
  opts: { title?: string; durationSec?: number } = {},
): { lyrics: Lyrics; errors: string[] } {
  const errors: string[] = [];
  const sections: (LyricSection & { at: number; label: string })[] = [];
  const rows = text.split(/\r?\n/);
  rows.forEach((raw, i) => {
    const n = i + 1;
    const row = raw.trim();
    if (!row) return;
    const marker = markerOf(row);
    if (marker?.unknown !== undefined) {
      errors.push(`line ${n}: unknown section marker [${marker.unknown}]; use ${ACCEPTED}`);
      return;
    }
    if (marker?.kind) sections.push({ kind: marker.kind, lines: [], at: n, label: marker.label });
    const lyric = marker ? marker.rest.trim() : row;
    if (!lyric) return;
    const { line, problems } = readLine(lyric, language);
    for (const p of problems) errors.push(`line ${n} "${line.text}": ${p}`);
    // A row of punctuation or dashes is layout, not a line to sing.
    if (line.syllables.length === 0) return;
    if (line.syllables.length > MAX_SINGABLE)
      errors.push(`line ${n} "${line.text}": ${line.syllables.length} syllables, more than the ${MAX_SINGABLE} one phrase can sing; split it`);
    if (sections.length === 0) sections.push({ kind: "verse", lines: [], at: n, label: "(verse)" });
    sections.at(-1)!.lines.push(line);
  });
  for (const s of sections) if (s.lines.length === 0) errors.push(`line ${s.at}: ${s.label} has no lines under it`);
  const total = sections.reduce((sum, s) => sum + s.lines.length, 0);
  if (total === 0) errors.push("no singable text");
  if (opts.durationSec !== undefined && total > maxLines(opts.durationSec))
    errors.push(`${total} lines are too many for ${opts.durationSec} s: at most ${maxLines(opts.durationSec)} (one line needs a bar of about 2 s)`);
  const chorus = sections.find((s) => s.kind === "chorus")?.lines[0];
  const title = opts.title ?? (chorus ?? sections[0]?.lines[0])?.text ?? "";
  return { lyrics: { language, title, sections: sections.map(({ kind, lines }) => ({ kind, lines })) }, errors };
}
