import type { Kysely } from "kysely";
import type { AuthenticatorStore } from "../../products/authenticator/authenticator.port.js";
import type { Schema } from "../schema.js";
import { createCredentialStore } from "../webauthn/credential.store.js";
import { createAccountStore } from "./account.store.js";
import { createTokenStepStore } from "./access-token.store.js";
import { createFactorStore } from "./settings.store.js";

/** The Authenticator API's store port, for one tenant; `tx` arguments are Kysely transactions of `db`. */
export function createAuthenticatorStore(db: Kysely<Schema>, tenantId: string): AuthenticatorStore<Kysely<Schema>> {
  return {
    ...createAccountStore(db, tenantId),
    ...createFactorStore(db, tenantId),
    ...createTokenStepStore(tenantId),
    credentialsIn: createCredentialStore,
  };
}
