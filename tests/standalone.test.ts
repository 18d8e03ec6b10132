import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The repository stands alone: a user's clone has nothing beside it, so no file of the product,
 * its tests or its README may read a folder next to the repository or climb above its root.
 * The pattern strings are built from parts so that this file does not match itself.
 */

const ROOT = dirname(import.meta.dirname); // this file is in tests/
const UP = "." + "."; // the parent-directory segment
const SHARED = UP + "/" + "shared";
const FOLDERS = ["agent", "tools", "server", "db", "lib", "cli", "scripts", "tests", "bench", "prompts", "bin", "docs"];
const FILES = ["README.md", "package.json", ".ci/run"];
const SKIP_DIRS = new Set(["node_modules", ".git", "data", "tmp"]);

const inScope = (f: string) => FILES.includes(f) || FOLDERS.some((d) => f.startsWith(d + "/"));

/** Tracked files (git ls-files), or every file under the folders when git is not available. */
function repoFiles(): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return out.split("\0").filter(Boolean).filter(inScope);
  } catch {
    const found: string[] = [];
    const walk = (rel: string) => {
      for (const name of readdirSync(join(ROOT, rel))) {
        const p = rel ? `${rel}/${name}` : name;
        const st = statSync(join(ROOT, p));
        if (st.isDirectory()) {
          if (!SKIP_DIRS.has(name)) walk(p);
        } else found.push(p);
      }
    };
    for (const d of FOLDERS) {
      try {
        walk(d);
      } catch {
        /* folder absent */
      }
    }
    return [...found, ...FILES].filter((f) => {
      try {
        return statSync(join(ROOT, f)).isFile();
      } catch {
        return false;
      }
    });
  }
}

/** Whether an absolute path lies outside the repository root. */
function outside(abs: string): boolean {
  const rel = relative(ROOT, abs);
  return isAbsolute(rel) || rel === UP || rel.startsWith(UP + sep);
}

const CODE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const STRING = /(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g;
const ANCHOR_BEFORE = /(import\.meta\.(dirname|url|filename)|__dirname|__filename)\)*\s*,\s*$/;
const SPECIFIER_BEFORE = /(\bfrom|\bimport|\brequire\(|\bimport\(|\bmock\()\s*$/;
const ANCHOR_AFTER = /^\s*,\s*import\.meta\.url/;

/**
 * Relative paths in code that climb above the root: each run of string literals passed together
 * (`join(import.meta.dirname, "..", "x")`, an import specifier, `readFileSync("../x")`) is
 * resolved from the file's folder when it is anchored there (import.meta, __dirname, a module
 * specifier) and from the root otherwise (the working directory of npm test and the CLI).
 */
function climbsInCode(file: string, text: string): string[] {
  const found: string[] = [];
  // Comment lines (// …, /* …, * …) only talk about paths; blank them, keeping offsets.
  text = text.replace(/^[ \t]*(\/\/|\/\*|\*).*$/gm, (line) => " ".repeat(line.length));
  const literals = [...text.matchAll(STRING)].filter((m) => !m[2]!.includes("${"));
  for (let i = 0; i < literals.length; ) {
    let j = i + 1;
    while (j < literals.length) {
      const prevEnd = literals[j - 1]!.index! + literals[j - 1]![0].length;
      if (!/^\s*,\s*$/.test(text.slice(prevEnd, literals[j]!.index!))) break;
      j++;
    }
    const run = literals.slice(i, j);
    i = j;
    const parts = run.map((m) => m[2]!);
    const joined = posix.join(...parts);
    if (!joined.split("/").includes(UP) || joined.startsWith("/")) continue;
    const start = run[0]!.index!;
    const end = run.at(-1)!.index! + run.at(-1)![0].length;
    const before = text.slice(Math.max(0, start - 120), start);
    const anchored = ANCHOR_BEFORE.test(before) || SPECIFIER_BEFORE.test(before) || ANCHOR_AFTER.test(text.slice(end, end + 40));
    const base = anchored ? join(ROOT, dirname(file)) : ROOT;
    if (outside(resolve(base, joined))) found.push(`${file}: ${run.map((m) => m[0]).join(", ")}`);
  }
  return found;
}

/** Markdown links with a relative target that climbs above the root. */
function climbsInMarkdown(file: string, text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s#]+)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("/"))
    .filter((target) => outside(resolve(ROOT, dirname(file), target)))
    .map((target) => `${file}: link ${target}`);
}

/** Shell scripts that step above the root from their own folder (`cd "$(dirname "$0")/…"`). */
function climbsInShell(file: string, text: string): string[] {
  return [...text.matchAll(/\$\(dirname "?\$(?:0|\{BASH_SOURCE\[0\]\})"?\)((?:\/[^\s"'/)]+)+)/g)]
    .filter((m) => outside(resolve(ROOT, dirname(file), m[1]!.slice(1))))
    .map((m) => `${file}: ${m[0]}`);
}

describe("the repository stands alone", () => {
  const files = repoFiles();

  it("finds the product's files", () => {
    expect(files).toContain("package.json");
    expect(files).toContain("tests/helpers.ts");
    expect(files.some((f) => f.startsWith("tools/"))).toBe(true);
  });

  it(`no file reads ${SHARED}, an absolute path beside the repository, or a path above its root`, () => {
    const parent = dirname(ROOT);
    const besideRepo = parent === dirname(parent) ? undefined : parent + sep;
    const problems: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      if (text.includes(SHARED)) problems.push(`${file}: mentions ${SHARED}`);
      if (besideRepo && text.includes(besideRepo)) problems.push(`${file}: absolute path ${besideRepo}…`);
      if (CODE.test(file)) problems.push(...climbsInCode(file, text));
      else if (file.endsWith(".md")) problems.push(...climbsInMarkdown(file, text));
      else if (file === ".ci/run" || file.endsWith(".sh")) problems.push(...climbsInShell(file, text));
    }
    expect(problems).toEqual([]);
  });

  it("the checks catch what they are for", () => {
    const probe = "tests/x.test.ts";
    expect(climbsInCode(probe, `join(import.meta.dirname, "${UP}/${UP}/shared/a.txt")`)).toHaveLength(1);
    expect(climbsInCode(probe, `join(import.meta.dirname, "${UP}", "${UP}", "x")`)).toHaveLength(1);
    expect(climbsInCode(probe, `readFileSync("${UP}/x.txt")`)).toHaveLength(1);
    expect(climbsInCode(probe, `import { a } from "${UP}/${UP}/x.ts"`)).toHaveLength(1);
    expect(climbsInCode(probe, `join(dirname(fileURLToPath(import.meta.url)), "${UP}", "${UP}")`)).toHaveLength(1);
    expect(climbsInCode(probe, `join(import.meta.dirname, "fixtures/a.txt")`)).toEqual([]);
    expect(climbsInCode(probe, `  // read from "${UP}/${UP}/x" once`)).toEqual([]);
    expect(climbsInCode(probe, `import { a } from "${UP}/lib/a.ts"`)).toEqual([]);
    expect(climbsInCode("lib/a.ts", `join(dirname(fileURLToPath(import.meta.url)), "${UP}", "prompts")`)).toEqual([]);
    expect(climbsInMarkdown("README.md", `[d](${UP}/x/DESIGN.md) [a](docs/architecture.md)`)).toHaveLength(1);
    expect(climbsInMarkdown("docs/a.md", `[r](${UP}/README.md) [w](https://example.org/${UP}/x)`)).toEqual([]);
    expect(climbsInShell(".ci/run", `cd "$(dirname "$0")/${UP}/${UP}"`)).toHaveLength(1);
    expect(climbsInShell(".ci/run", `cd "$(dirname "$0")/${UP}"`)).toEqual([]);
  });
});
