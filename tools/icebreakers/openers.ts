import { fnv1a } from "../../lib/ids.ts";
import { mulberry32, shuffled } from "../../lib/prng.ts";
import { z } from "zod";
import { ApiError, ErrorCode, bi } from "../../lib/errors.ts";
import { fill } from "../../lib/prompts.ts";
import type { Ctx } from "../context.ts";
import { Id } from "../events/schema.ts";
import { getPersona } from "../personas/library.ts";
import { findProfileId } from "../profiles/get.ts";
import { genreName, icebreakerText, optedIn, optedInUser, sharedTastes, type Language } from "./matches.ts";
import { profileTraits } from "../identity/merge.ts";

export const ICEBREAKER_MODEL = "offline-icebreakers";
const LINES = 3;

export const IcebreakerInput = z
  .strictObject({
    userId: Id.meta({ description: "Who will send the opening line. 发起破冰的用户" }),
    matchId: Id.meta({ description: "Whom it is for: a match of userId. 匹配到的用户" }),
    personaId: z.string().min(1).max(64).optional().meta({ description: "Whose tone the lines take (its card's tone); default neutral. 角色（决定语气）" }),
    language: z.enum(["zh", "en"]).optional().meta({ description: "Default: userId's trait `language`, else zh. 语言" }),
  })
  .meta({ id: "IcebreakerInput" });
export type IcebreakerInput = z.infer<typeof IcebreakerInput>;

export type Icebreakers = {
  lines: string[];
  interest: { kind: "genre" | "artist"; value: string };
  persona: string | null;
  language: Language;
  model: typeof ICEBREAKER_MODEL;
};

/** A trait `language` of "zh", "zh-CN", "en-US" …; anything else says nothing. */
function traitLanguage(traits: Record<string, unknown>): Language | undefined {
  const v = traits.language;
  if (typeof v !== "string") return undefined;
  const l = v.trim().toLowerCase();
  return l.startsWith("zh") ? "zh" : l.startsWith("en") ? "en" : undefined;
}

/** The match's own name when their traits carry a short one: lines read as written to them. */
function nameOf(traits: Record<string, unknown>): string | undefined {
  for (const k of ["name", "nickname"]) {
    const v = traits[k];
    if (typeof v === "string" && v.trim() && v.trim().length <= 40) return v.trim();
  }
  return undefined;
}

/** The two ids in sorted order: the same pair, asked either way, gets the same seed. */
const pairSeed = (a: string, b: string) => fnv1a([a, b].sort().join("\u0000"));

/** `n` distinct items, chosen by a seeded shuffle: the same seed, the same choice. */
const pick = <T>(items: T[], n: number, seed: number): T[] => shuffled(mulberry32(seed), items).slice(0, n);

/**
 * Three opening lines from `userId` to `matchId` that cite the strongest thing they both listen to:
 * a shared artist when there is one (it says more than a genre), else a shared genre. The lines
 * come from the persona's tone's templates, chosen by a seed of the pair.
 */
export function icebreakers(ctx: Ctx, input: IcebreakerInput): Icebreakers {
  const me = optedInUser(ctx, input.userId);
  const matchId = findProfileId(ctx, input.matchId);
  const matchTraits = matchId ? (profileTraits(ctx.db, ctx.workspaceId, matchId) ?? {}) : {};
  // Not opted in is told apart from unknown nowhere: that would reveal who uses the service.
  if (!matchId || !optedIn(matchTraits))
    throw new ApiError(ErrorCode.NotFound, bi(`没有开启破冰匹配的用户 ${input.matchId}`, `no opted-in user ${input.matchId}`), { reason: "unknown_match" });
  if (matchId === me.userId) throw new ApiError(ErrorCode.ValidationFailed, bi("不能和自己破冰", "userId and matchId are the same user"), { reason: "same_user" });
  const persona = input.personaId ? getPersona(ctx, input.personaId) : null;
  const language = input.language ?? traitLanguage(me.traits) ?? "zh";

  const shared = sharedTastes(ctx, me.userId, matchId);
  const top = shared.artists[0] ? { kind: "artist" as const, value: shared.artists[0].value } : shared.genres[0] && { kind: "genre" as const, value: shared.genres[0].value };
  if (!top)
    throw new ApiError(
      ErrorCode.Conflict,
      bi(`${input.userId} 和 ${input.matchId} 还没有共同听过的曲风或歌手`, `${input.userId} and ${input.matchId} share no genre or artist yet: no plays in common`),
      { reason: "nothing_shared" },
    );

  const text = icebreakerText(ctx, language);
  const tone = persona?.flywheel.tone ?? "neutral";
  const templates = text.tones[tone]?.[top.kind] ?? text.tones.neutral![top.kind];
  const vars = {
    name: nameOf(matchTraits) ?? text.fallbackName,
    artist: shared.artists[0]?.value ?? "",
    genre: shared.genres[0] ? genreName(text, shared.genres[0].value) : "",
  };
  const lines = [...new Set(pick(templates, templates.length, pairSeed(me.userId, matchId)).map((t) => fill(t, vars)))].slice(0, LINES);
  return { lines, interest: top, persona: persona?.id ?? null, language, model: ICEBREAKER_MODEL };
}
