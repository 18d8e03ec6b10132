#!/usr/bin/env node
// The CLI is TypeScript; tsx loads it without a build step.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../cli/main.ts");
try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
}
