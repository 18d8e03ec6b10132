import { z } from "zod";
import { defineTool } from "../tool.ts";
import { PreviewInput, PreviewResult, SegmentInput, SegmentView, createSegment, listSegments, previewSegment } from "./index.ts";

/**
 * The route's input with one default changed: an agent should always show its work, while over
 * HTTP explaining stays opt-in so the API's answer is unchanged. Overriding the default (rather than
 * `explain ?? true` in run) matters because callers parse the input first, which fills in `false`.
 */
const PreviewToolInput = PreviewInput.extend({ explain: PreviewInput.shape.explain.unwrap().default(true) });

export const segmentTools = [
  defineTool({
    name: "segments_preview",
    description:
      "统计分群人数并返回样本 / Count the users matching a segment definition (traits, behaviour in time windows, RFM class, lifecycle stage, scores) and return a sample of ids.",
    scope: "operator",
    sideEffect: "none",
    input: PreviewToolInput,
    output: PreviewResult,
    run: (ctx, input) => previewSegment(ctx, input),
  }),
  defineTool({
    name: "segments_save",
    description: "保存分群 / Save a segment definition under a name so campaigns can target it; returns it with its count.",
    scope: "operator",
    sideEffect: "writes",
    input: SegmentInput,
    output: SegmentView,
    run: (ctx, input) => createSegment(ctx, input),
  }),
  defineTool({
    name: "segments_list",
    description: "列出已保存的分群 / List saved segments with their cached counts.",
    scope: "operator",
    sideEffect: "none",
    input: z.strictObject({}),
    output: z.object({ segments: z.array(SegmentView) }),
    run: (ctx) => ({ segments: listSegments(ctx) }),
  }),
];
