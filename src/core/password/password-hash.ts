import { hash } from "@node-rs/argon2";

/** Tessera's argon2id: OWASP's minimum, 19 MiB, 2 passes, 1 lane (~12 ms here). A hash with other parameters is rehashed at login. */
export const tesseraArgon2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** The argon2id hash (PHC string) of `password` with Tessera's parameters. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, tesseraArgon2);
}
