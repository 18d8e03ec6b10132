import { createRoute, z } from "@hono/zod-openapi";
import { createCampaignDraft, deleteCampaign, getCampaign, listCampaigns } from "../../tools/campaigns/index.ts";
import { CampaignInput, CampaignView } from "../../tools/campaigns/schema.ts";
import { errorResponses } from "../errors.ts";
import { jsonBody, ok, routesFor, type Router } from "../openapi.ts";

const Params = z.object({ id: z.string().min(1).max(64) });

export function registerCampaigns(app: Router) {
  const route = routesFor("campaigns", "operator");
  app.openapi(
    createRoute({
      ...route("post", "/v1/campaigns", "Create a campaign draft / 创建活动草稿"),
      description:
        "Stores a draft (status `draft`; sending is not part of this API yet). 404 when the audience's segment is not in this workspace; 400 naming the path for an invalid definition, a variant that breaks its channel's rule (`variants.N…`) or a schedule in the past. Scope: operator.",
      request: jsonBody(CampaignInput),
      responses: { ...ok(CampaignView, "The draft, with the audience's current count / 草稿与受众人数"), ...errorResponses },
    }),
    (c) => c.json(createCampaignDraft(c.get("ctx"), c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      ...route("get", "/v1/campaigns", "Campaign drafts / 活动草稿列表"),
      responses: { ...ok(z.object({ campaigns: z.array(CampaignView) }), "Drafts, newest first (counts null)"), ...errorResponses },
    }),
    (c) => c.json({ campaigns: listCampaigns(c.get("ctx")) }, 200),
  );
  app.openapi(
    createRoute({ ...route("get", "/v1/campaigns/{id}", "A campaign draft / 活动草稿详情"), request: { params: Params }, responses: { ...ok(CampaignView, "Draft, counted now"), ...errorResponses } }),
    (c) => c.json(getCampaign(c.get("ctx"), c.req.valid("param").id), 200),
  );
  app.openapi(
    createRoute({
      ...route("delete", "/v1/campaigns/{id}", "Delete a campaign draft / 删除活动草稿"),
      request: { params: Params },
      responses: { ...ok(z.object({ id: z.string(), deleted: z.boolean() }), "Deleted"), ...errorResponses },
    }),
    (c) => c.json(deleteCampaign(c.get("ctx"), c.req.valid("param").id), 200),
  );
}
