/** What an import did (or, in a dry run, would do), counted as it goes. */
export interface ImportSummary {
  /** Users stored (dry run: that would be). */
  imported: number;
  /** Users already there under the same id: left as they are. */
  unchanged: number;
  /** Records refused, each reported with its line and reason as it happened. */
  refused: number;
}

/** The summary line the command prints at the end. */
export function summaryLine(summary: ImportSummary, dryRun: boolean): string {
  const verb = dryRun ? "would be imported" : "imported";
  return `${summary.imported} ${verb}, ${summary.unchanged} unchanged, ${summary.refused} refused`;
}
