/**
 * The pages' language: zh-CN first, English on request. The choice is a cookie (`lang`), so it
 * persists across pages and reloads and the server renders the right words the first time.
 */
export type Lang = "zh" | "en";

export const langOf = (cookie: string | undefined): Lang => (cookie === "en" ? "en" : "zh");

/** One piece of text in both languages, picked at render time. */
export type Bi = { zh: string; en: string };
export const t = (lang: Lang, text: Bi) => text[lang];
