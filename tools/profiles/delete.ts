import { atomic, stmt } from "../../db/sql.ts";
import { notFound } from "../../lib/errors.ts";
import { catalogFromEvents } from "../catalog/fromEvents.ts";
import { catalogTraitDelta } from "../catalog/traits.ts";
import type { Ctx } from "../context.ts";
import { ofUser } from "../events/selection.ts";
import { deleteTastes } from "../icebreakers/tastes.ts";
import { deletePersonaData } from "../personas/people.ts";
import { profileTraits } from "../identity/merge.ts";
import { deleteUserSegmentRollups } from "../segments/windows.ts";
import { findProfileId } from "./get.ts";

/**
 * Personal-information deletion: the user's events, rollups, taste counts, persona chats (their
 * messages and pinned memories too), identities, conflicts and profile, in one transaction; the
 * catalog's counts drop by what was removed.
 */
export function deleteUser(ctx: Ctx, id: string) {
  const w = ctx.workspaceId;
  return atomic(ctx.db, () => {
    const userId = findProfileId(ctx, id);
    if (!userId) {
      // Someone who only ever chatted with a persona (an end-user token needs no profile) has data too.
      const persona = deletePersonaData(ctx.db, w, id);
      if (!persona.personaChats && !persona.personaMemories) throw notFound("user", "用户不存在");
      return { userId: id, deleted: { events: 0, identities: 0, profile: 0, tastes: 0, ...persona } };
    }
    catalogFromEvents(ctx.db, ofUser(w, userId), -1);
    catalogTraitDelta(ctx.db, w, [profileTraits(ctx.db, w, userId) ?? {}], []);
    const events = stmt(ctx.db, "DELETE FROM events WHERE workspace_id = ? AND user_id = ?").run(w, userId).changes;
    stmt(ctx.db, "DELETE FROM user_daily WHERE workspace_id = ? AND user_id = ?").run(w, userId);
    deleteUserSegmentRollups(ctx.db, w, [userId]);
    const tastes = deleteTastes(ctx.db, w, userId);
    const persona = deletePersonaData(ctx.db, w, userId);
    const identities = stmt(ctx.db, "DELETE FROM identities WHERE workspace_id = ? AND user_id = ?").run(w, userId).changes;
    stmt(ctx.db, "DELETE FROM identity_conflicts WHERE workspace_id = ? AND (owner_user_id = ? OR claimant_user_id = ?)").run(w, userId, userId);
    stmt(ctx.db, "DELETE FROM profiles WHERE workspace_id = ? AND user_id = ?").run(w, userId);
    return { userId, deleted: { events, identities, profile: 1, tastes, ...persona } };
  });
}
