import type { z } from "zod";
import type { Scope } from "../db/schema/index.ts";
import type { Ctx } from "./context.ts";

/**
 * One framework-free tool: the agent turns these into LangChain tools, the approval gate reads
 * `sideEffect` (anything that sends or spends waits for the operator), routes share the schemas.
 */
export type ToolDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> = {
  name: string;
  description: string;
  scope: Scope;
  sideEffect: "none" | "writes" | "sends" | "spends";
  input: I;
  output: O;
  run: (ctx: Ctx, input: z.infer<I>) => z.infer<O>;
};

export const defineTool = <I extends z.ZodType, O extends z.ZodType>(t: ToolDef<I, O>) => t;
