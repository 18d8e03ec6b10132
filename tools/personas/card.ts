import { z } from "zod";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { fnv1a } from "../../lib/ids.ts";
import { MOODS, STYLES } from "../songs/types.ts";

/**
 * Character Card V2/V3 (github.com/malfoyslastname/character-card-spec-v2, kwaroran/character-card-
 * spec-v3): the format SillyTavern and most companion apps read and write. Cards are kept in the
 * V3 form; a V1 (flat) or V2 card is lifted into it on import, and every field or extension this
 * service does not know survives (`passthrough`), so a card exported again is the card imported.
 * Our own settings live in `data.extensions.flywheel`.
 */

export const PERSONA_LANGUAGES = ["zh", "en"] as const;
export type PersonaLanguage = (typeof PERSONA_LANGUAGES)[number];
export const TONES = ["warm", "cute", "intellectual", "rock", "neutral"] as const;
export type Tone = (typeof TONES)[number];

/** A persona's id: `persona:<id>` in /v1/models, part of URLs and blob keys. */
export const PERSONA_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

const text = (max: number) => z.string().max(max);
const list = (item: z.ZodType<string>, max: number) => z.array(item).max(max);

export const LoreEntry = z
  .looseObject({
    keys: list(text(200), 64),
    content: text(20_000),
    extensions: z.record(z.string(), z.unknown()).default({}),
    enabled: z.boolean().default(true),
    insertion_order: z.number().default(0),
    case_sensitive: z.boolean().optional(),
    use_regex: z.boolean().optional(),
    constant: z.boolean().optional(),
    name: text(200).optional(),
    priority: z.number().optional(),
    id: z.union([z.number(), z.string()]).optional(),
    comment: text(2000).optional(),
    selective: z.boolean().optional(),
    secondary_keys: list(text(200), 64).optional(),
    position: z.string().optional(),
  })
  .meta({ id: "LoreEntry" });
export type LoreEntry = z.infer<typeof LoreEntry>;

export const CharacterBook = z.looseObject({
  name: text(200).optional(),
  description: text(5000).optional(),
  scan_depth: z.number().int().min(0).max(100).optional(),
  token_budget: z.number().int().min(0).optional(),
  recursive_scanning: z.boolean().optional(),
  extensions: z.record(z.string(), z.unknown()).default({}),
  entries: z.array(LoreEntry).max(500),
});
export type CharacterBook = z.infer<typeof CharacterBook>;

/** What the offline engine says, per intent, in one language: the persona's voice. */
export const StyleBank = z.strictObject({
  greet: list(text(300), 20).min(1),
  self_intro: list(text(300), 20).min(1),
  name_ack: list(text(300), 20).min(1).meta({ description: "{{name}} is the user's name" }),
  taste_ack: list(text(300), 20).min(1).meta({ description: "{{taste}} is what the user likes" }),
  ask_back: list(text(300), 20).min(1),
  comfort: list(text(300), 20).min(1),
  fallback: list(text(300), 20).min(1),
  sing_intro: list(text(300), 20).min(1).meta({ description: "{{title}} is the song's title" }),
  farewell: list(text(300), 20).min(1),
  recall: list(text(300), 20).min(1).meta({ description: "{{fact}}: a pinned fact about the user, brought up" }),
});
export type StyleBank = z.infer<typeof StyleBank>;
export const INTENT_KEYS = StyleBank.keyof().options;

export const FlywheelExtension = z
  .looseObject({
    /** A slug: the persona is `persona:<id>` in /v1/models. */
    id: z.string().regex(PERSONA_ID),
    /** The Chinese name (the card's `name` is the one other tools show). */
    name_zh: text(40).optional(),
    languages: z.array(z.enum(PERSONA_LANGUAGES)).min(1).default(["zh", "en"]),
    tone: z.enum(TONES).default("neutral"),
    voice: z.looseObject({ singer: z.enum(["female", "male"]), description: text(200).optional() }).default({ singer: "female" }),
    music: z
      .looseObject({ genres: list(text(40), 20).default([]), artists: list(text(80), 20).default([]), style: z.enum(STYLES).default("pop"), mood: z.enum(MOODS).default("happy") })
      .default({ genres: [], artists: [], style: "pop", mood: "happy" }),
    /** general: the default rules; teen: also refuses romance and keeps the break reminder at one hour. */
    safety_tier: z.enum(["general", "teen"]).default("general"),
    style: z.partialRecord(z.enum(PERSONA_LANGUAGES), StyleBank).default({}),
  })
  .meta({ id: "FlywheelPersonaExtension" });
export type FlywheelExtension = z.infer<typeof FlywheelExtension>;

const CardFields = {
  name: text(200).min(1),
  description: text(50_000).default(""),
  personality: text(20_000).default(""),
  scenario: text(20_000).default(""),
  first_mes: text(20_000).default(""),
  mes_example: text(50_000).default(""),
  creator_notes: text(20_000).default(""),
  system_prompt: text(20_000).default(""),
  post_history_instructions: text(20_000).default(""),
  alternate_greetings: list(text(20_000), 100).default([]),
  character_book: CharacterBook.optional(),
  tags: list(text(100), 100).default([]),
  creator: text(200).default(""),
  character_version: text(100).default(""),
  extensions: z.record(z.string(), z.unknown()).default({}),
};

export const CardDataV3 = z.looseObject({
  ...CardFields,
  group_only_greetings: list(text(20_000), 100).default([]),
  nickname: text(200).optional(),
  creator_notes_multilingual: z.record(z.string(), z.string()).optional(),
  source: list(text(2000), 50).optional(),
  creation_date: z.number().optional(),
  modification_date: z.number().optional(),
});
export const CardV3 = z.looseObject({ spec: z.literal("chara_card_v3"), spec_version: z.string().regex(/^3\./), data: CardDataV3 }).meta({ id: "CharacterCardV3" });
export type PersonaCard = z.infer<typeof CardV3>;
const CardV2 = z.looseObject({ spec: z.literal("chara_card_v2"), spec_version: z.string().regex(/^2\./), data: z.looseObject(CardFields) });
/** V1 cards are the bare fields at the top level (TavernAI). */
const CardV1 = z.looseObject({ name: CardFields.name, description: text(50_000), personality: text(20_000), scenario: text(20_000), first_mes: text(20_000), mes_example: text(20_000) });

const invalid = (issues: z.core.$ZodIssue[]) =>
  new ApiError(
    ErrorCode.ValidationFailed,
    bi("角色卡格式无效（需 Character Card V1/V2/V3）", "not a valid character card (V1, V2 or V3)"),
    issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })),
  );

/** Any V1/V2/V3 card as V3; a 400 naming the bad fields otherwise. */
export function parseCard(input: unknown): PersonaCard {
  const spec = (input as { spec?: unknown } | null)?.spec;
  if (spec === "chara_card_v3") {
    const r = CardV3.safeParse(input);
    if (!r.success) throw invalid(r.error.issues);
    return r.data;
  }
  const v2 = spec === "chara_card_v2" ? CardV2.safeParse(input) : undefined;
  if (v2 && !v2.success) throw invalid(v2.error.issues);
  const data = v2?.data.data ?? (() => {
    const v1 = CardV1.safeParse(input);
    if (!v1.success) throw invalid(v1.error.issues);
    return v1.data;
  })();
  return CardV3.parse({ spec: "chara_card_v3", spec_version: "3.0", data: { ...data, group_only_greetings: [] } });
}

/** The same card for a V2 reader: V3-only fields dropped, everything V2 knows (and all extensions) kept. */
export function toV2(card: PersonaCard) {
  const { group_only_greetings, nickname, creator_notes_multilingual, source, creation_date, modification_date, assets, ...data } = card.data as PersonaCard["data"] & { assets?: unknown };
  void group_only_greetings, nickname, creator_notes_multilingual, source, creation_date, modification_date, assets;
  return { spec: "chara_card_v2" as const, spec_version: "2.0", data };
}

/** A slug from a name, for an imported card that has no `extensions.flywheel.id`. */
export function slugOf(name: string): string {
  const ascii = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return ascii || `card-${fnv1a(name).toString(36)}`;
}

/**
 * Our settings for a card: its own `extensions.flywheel`, or defaults for a card made elsewhere
 * (a SillyTavern card has no style bank: the engine then speaks in the neutral voice of
 * prompts/personas/engine.*.json).
 */
export function flywheelOf(card: PersonaCard): FlywheelExtension {
  const own = card.data.extensions["flywheel"];
  const r = FlywheelExtension.safeParse(own ?? { id: slugOf(card.data.name) });
  if (r.success) return r.data;
  throw invalid(r.error.issues.map((i) => ({ ...i, path: ["data", "extensions", "flywheel", ...i.path] })));
}
