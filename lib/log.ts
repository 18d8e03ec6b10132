export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = {
  [L in LogLevel]: (msg: string, fields?: Record<string, unknown>) => void;
} & { child(fields: Record<string, unknown>): Logger };

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured logs: one JSON object per line on stdout (stderr for warnings and errors). */
export function createLogger(
  opts: { level?: LogLevel; base?: Record<string, unknown>; write?: (line: string, level: LogLevel) => void } = {},
): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write =
    opts.write ??
    ((line: string, level: LogLevel) => (ORDER[level] >= ORDER.warn ? process.stderr : process.stdout).write(line + "\n"));
  const base = opts.base ?? {};
  const emit = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }), level);
  };
  return {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything: tests that do not read logs. */
export const silentLogger: Logger = createLogger({ write: () => {} });
