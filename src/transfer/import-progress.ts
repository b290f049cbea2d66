import type { ImportSummary } from "./import-summary.js";

/** How often progress is printed at most. */
export const progressIntervalMs = 1000;

/** Prints an import's counts as it goes: at most once per `progressIntervalMs`, counts and users/s only (never a record's content). */
export interface ProgressPrinter {
  /** The counts after a batch: printed when the last print is old enough. */
  update(summary: ImportSummary): void;
  /** Prints the last counts when they were not printed yet. */
  finish(): void;
}

/** Creates the printer over `write` (stderr), with an injectable clock (milliseconds). */
export function createProgressPrinter(deps: { write(text: string): void; now?: () => number }): ProgressPrinter {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  let printedAt = started;
  let last: ImportSummary | undefined;
  let lastPrinted: ImportSummary | undefined;
  const print = (summary: ImportSummary, at: number) => {
    const done = summary.imported + summary.unchanged + summary.refused;
    const seconds = Math.max(at - started, 1) / 1000;
    deps.write(`progress: ${done} records read, ${summary.imported} imported, ${summary.unchanged} unchanged, ${summary.refused} refused, ${Math.round(summary.imported / seconds)} users/s\n`);
    printedAt = at;
    lastPrinted = summary;
  };
  return {
    update(summary) {
      last = summary;
      const at = now();
      if (at - printedAt >= progressIntervalMs) print(summary, at);
    },
    finish() {
      if (last !== undefined && last !== lastPrinted && now() - started >= progressIntervalMs) print(last, now());
    },
  };
}
