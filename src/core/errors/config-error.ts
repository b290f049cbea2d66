/** A setting that is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
