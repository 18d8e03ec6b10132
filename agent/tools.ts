import { AIMessage, ToolMessage } from "@langchain/core/messages";
import { ToolInputParsingException } from "@langchain/core/tools";
import { createMiddleware, tool } from "langchain";
import { z } from "zod";
import { ApiError, bi } from "../lib/errors.ts";
import type { Ctx } from "../tools/context.ts";
import type { ToolDef } from "../tools/tool.ts";

/** What one agent invocation carries: the operator's workspace context and this turn's counters. */
export type RunContext = { ctx: Ctx; turn: { invalidInputs: number } };

export const MAX_INPUT_RETRIES = 2;

/** Tool errors a model can fix by changing its input: a failed schema or a 4xx from the tool. */
const isInputError = (e: unknown) => e instanceof ToolInputParsingException || (e instanceof ApiError && e.status < 500);

/**
 * Thin adapters: each ToolDef becomes a LangChain tool over the same zod input schema, running the
 * same synchronous function the HTTP routes call, in the workspace of the caller.
 */
export function agentTools(defs: readonly ToolDef[]) {
  return defs.map((def) =>
    tool(
      (input: unknown, config: { context?: RunContext }) => {
        const run = config.context;
        if (!run) throw new Error("agent tools need the run context");
        return JSON.stringify(def.run(run.ctx, def.input.parse(input)));
      },
      { name: def.name, description: def.description, schema: parametersOf(def.input) as z.ZodObject },
    ),
  );
}

/**
 * The same zod schema, shaped as function-calling APIs require parameters: a top-level object.
 * A root `.meta({ id })` (there for the OpenAPI document's components) makes zod emit
 * `{ $ref, $defs }`, and a discriminated union has no root type although every option is an object.
 * Validation is unchanged: the options and checks are the original ones.
 */
export function parametersOf(input: z.ZodType): z.ZodType {
  if (input instanceof z.ZodDiscriminatedUnion) return z.discriminatedUnion(input.def.discriminator, input.options as never).meta({ type: "object" });
  return input.meta({ id: undefined });
}

/**
 * Two rules from the design, enforced in code rather than asked of the model:
 * - an invalid tool input goes back to the model with the validation message, at most
 *   MAX_INPUT_RETRIES times a turn, then the turn ends with an honest failure;
 * - at most one side-effecting call per model message (langchainjs #11125 drops approved calls
 *   batched with a rejected one), so later gated calls in the same message are dropped.
 */
export function toolGuard(defs: readonly ToolDef[]) {
  const gated = new Set(defs.filter((d) => d.sideEffect !== "none").map((d) => d.name));
  return createMiddleware({
    name: "FlywheelToolGuard",
    // Hooks (beforeModel) see only the context keys a middleware declares; without this their
    // runtime.context is {} and the retry limit never ends a turn. z.custom keeps the reference.
    contextSchema: z.object({ turn: z.custom<RunContext["turn"]>().optional() }),
    wrapToolCall: async (request, handler) => {
      try {
        return await handler(request);
      } catch (e) {
        if (!isInputError(e)) throw e;
        const turn = (request.runtime.context as RunContext | undefined)?.turn;
        if (turn) turn.invalidInputs++;
        const detail = e instanceof ApiError ? `${e.message}${e.details ? ` ${JSON.stringify(e.details)}` : ""}` : String((e as Error).message);
        return new ToolMessage({
          tool_call_id: request.toolCall.id ?? "",
          name: request.toolCall.name,
          status: "error",
          content: bi("工具输入无效，请修正后重试", "invalid tool input, correct it and call again") + `: ${detail}`,
        });
      }
    },
    beforeModel: {
      canJumpTo: ["end"],
      hook: (_state, runtime) => {
        const turn = (runtime.context as RunContext | undefined)?.turn;
        if (!turn || turn.invalidInputs <= MAX_INPUT_RETRIES) return undefined;
        return {
          jumpTo: "end",
          messages: [
            new AIMessage(
              bi(
                `抱歉，我连续 ${turn.invalidInputs} 次给出了无效的工具输入，这次没能完成。请换个说法或把条件说得更具体。`,
                `Sorry: my tool input was invalid ${turn.invalidInputs} times in a row, so I could not finish this. Please rephrase or be more specific.`,
              ),
            ),
          ],
        };
      },
    },
    afterModel: (state) => {
      const last = state.messages.at(-1);
      if (!AIMessage.isInstance(last) || !last.tool_calls?.length) return undefined;
      let seen = false;
      const kept = last.tool_calls.filter((c) => !gated.has(c.name) || (seen ? false : (seen = true)));
      if (kept.length === last.tool_calls.length) return undefined;
      return { messages: [new AIMessage({ id: last.id, content: last.content, tool_calls: kept, additional_kwargs: last.additional_kwargs })] };
    },
  });
}
