/** What the global setup hands to every test file through `inject`. */
declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the migrated PGlite dump test servers start from. */
    pgliteTemplate: string;
  }
}

export {};
