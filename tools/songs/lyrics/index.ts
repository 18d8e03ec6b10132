/**
 * The lyrics stage (DESIGN §7): an offline composer, a parser for users' own lyrics, the rhyme and
 * structure validator all lyrics pass, and the LLM path that falls back to the composer.
 */
export { composeLyrics, type LyricsRequest } from "./compose.ts";
export { englishLoaded, loadPronunciations, rhymePart, rhymesWith, wordSyllables } from "./en.ts";
export { pickTheme } from "./lexicon.ts";
export { readLine, UNKNOWN_RHYME } from "./line.ts";
export { OFFLINE_MODEL, readAnswer, writeLyricsWithLlm, type LlmEndpoint, type WrittenLyrics } from "./llm.ts";
export { parseLyrics } from "./parse.ts";
export { MAX_SINGABLE, maxLines, PHRASE, planFor } from "./plan.ts";
export { sectionNames, validateLyrics, type LyricsCheck } from "./validate.ts";
export { finalOf, readHan, ZHE, zheOf, type Zhe } from "./zh.ts";
