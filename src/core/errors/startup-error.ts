/**
 * A start-up failure an operator can fix (a variable naming an unreachable database, a port in
 * use, an unusable directory): `main` prints the message, which names the variable, and exits 2
 * without a stack trace.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";

  constructor(
    /** The environment variable to look at. */
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
