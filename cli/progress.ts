/** A progress bar on stderr when it is a terminal; otherwise a line every 10%. */
export function progressBar(label: string, total: number) {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  const started = performance.now();
  return {
    update(done: number, extra = "") {
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const pct = Math.floor(frac * 100);
      if (tty) {
        const width = 30;
        const filled = Math.round(frac * width);
        process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(pct).padStart(3)}% ${extra}   `);
      } else if (Math.floor(pct / 10) !== lastDecile) {
        lastDecile = Math.floor(pct / 10);
        process.stderr.write(`${label} ${pct}% ${extra}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write("\n");
      return (performance.now() - started) / 1000;
    },
  };
}
