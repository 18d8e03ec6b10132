import { createRoute, z } from "@hono/zod-openapi";
import { OPT_IN_TRAIT, findMatches } from "../../tools/icebreakers/matches.ts";
import { ICEBREAKER_MODEL, IcebreakerInput, icebreakers } from "../../tools/icebreakers/openers.ts";
import { errorResponses } from "../errors.ts";
import { actingUser } from "../middleware/auth.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const UserParams = z.object({ id: z.string().min(1).max(256) });
const MatchesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10).meta({ description: "At most this many matches (1–50). 返回数量" }),
  minScore: z.coerce.number().min(0).max(1).default(0.1).meta({ description: "Leave out weaker matches (0–1). 最低相似度" }),
});

const Plays = z.object({ you: z.number().int(), them: z.number().int() });
const Match = z
  .object({
    userId: z.string(),
    score: z.number().meta({ description: "0.6 × cosine of genre plays + 0.4 × cosine of artist plays, 3 decimals. 相似度" }),
    sharedGenres: z.array(z.object({ genre: z.string(), plays: Plays })).meta({ description: "Up to 3, strongest first. 共同曲风" }),
    sharedArtists: z.array(z.object({ artist: z.string(), plays: Plays })).meta({ description: "Up to 3, strongest first. 共同歌手" }),
    reason: z.object({ zh: z.string(), en: z.string() }),
  })
  .meta({ id: "IcebreakerMatch" });
const Matches = z.object({ userId: z.string(), matches: z.array(Match) }).meta({ id: "IcebreakerMatches" });

const Lines = z
  .object({
    lines: z.array(z.string()).length(3),
    interest: z.object({ kind: z.enum(["genre", "artist"]), value: z.string() }).meta({ description: "What the lines cite. 引用的共同兴趣" }),
    persona: z.string().nullable(),
    language: z.enum(["zh", "en"]),
    model: z.literal(ICEBREAKER_MODEL),
  })
  .meta({ id: "Icebreakers" });

const OPT_IN = `Only users with the trait \`${OPT_IN_TRAIT}\` true (or "true") are matched, and only they may ask: 403 \`not_opted_in\` otherwise.`;

/** Taste matches between opted-in users, and icebreaker lines that cite what they share. */
export function registerIcebreakers(app: Router) {
  const route = routesFor("icebreakers", "operator", { endUsers: true });
  app.openapi(
    createRoute({
      ...route("get", "/v1/users/{id}/matches", "Users with a similar taste in music / 听歌口味相近的用户", {
        description: `Opted-in users ranked by similarity of their plays (\`play_song\` events' genre and artist), with what they share and why. ${OPT_IN} Scope: operator.`,
      }),
      request: { params: UserParams, query: MatchesQuery },
      responses: { ...ok(Matches, "Matches / 匹配结果"), ...errorResponses },
    }),
    (c) => {
      const id = actingUser(c.get("auth"), c.req.valid("param").id);
      const q = c.req.valid("query");
      return c.json({ userId: id, matches: findMatches(c.get("ctx"), id, q) }, 200);
    },
  );
  app.openapi(
    createRoute({
      ...route("post", "/v1/icebreakers", "Opening lines for a match / 破冰开场白", {
        description: `Three opening lines from userId to matchId citing their strongest shared interest (a shared artist before a shared genre), in the persona's tone. The same pair gets the same lines. ${OPT_IN} 404 \`unknown_match\` when matchId is no opted-in user; 409 \`nothing_shared\` when the two share no genre or artist yet. Scope: operator.`,
      }),
      request: jsonBody(IcebreakerInput),
      responses: { ...ok(Lines, "Opening lines / 开场白"), ...errorResponses },
    }),
    (c) => {
      const body = c.req.valid("json");
      return c.json(icebreakers(c.get("ctx"), { ...body, userId: actingUser(c.get("auth"), body.userId) }), 200);
    },
  );
}
