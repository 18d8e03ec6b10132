/**
 * Prompts, lexicons, copy templates and persona cards are files under prompts/ (never long strings
 * in code). Tools read them through this interface, so the Node runtime can serve them from the
 * folder and the Workers runtime from its bundle.
 */
export interface Prompts {
  /** The file's text; throws when it does not exist. `path` is relative to prompts/, e.g. "copy/sms.md". */
  text(path: string): string;
}

/** A JSON prompt file, parsed. */
export const promptJson = <T>(prompts: Prompts, path: string): T => JSON.parse(prompts.text(path)) as T;

/** Fills `{{name}}` slots; a slot with no value is an error, so a template never ships a raw slot. */
export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`prompt slot {{${k}}} has no value`);
    return String(v);
  });
}

/** Prompts from a bundle of files (the Worker's generated/prompts.ts). */
export function bundledPrompts(files: Record<string, string>): Prompts {
  return {
    text(path) {
      const t = files[path];
      if (t === undefined) throw new Error(`no prompt file ${path}`);
      return t;
    },
  };
}
