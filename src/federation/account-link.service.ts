import { noAudit, type AuditLog } from "../core/audit/audit.service.js";
import { DomainError } from "../core/errors/domain-error.js";
import { normalizeEmail } from "../core/identity/email-address.js";
import type { IdentityLinkStore } from "./federation.port.js";
import { LoginError, type ExternalUser } from "./login-error.js";

/** Finds or makes the user an identity provider vouched for. */
export interface AccountLinker {
  /**
   * The user of a provider identity: the one already linked, else the user whose address the
   * provider verified (linked now), else a new user (unless sign-up is off). Throws
   * LoginError `invalid_request` (no usable email), `user_conflict` (the address belongs to
   * a user but the provider does not vouch for it, or the user never verified it),
   * `unverified_provider_email` (a new user from an address the provider did not verify),
   * `signup_disabled`.
   */
  userFor(external: ExternalUser): Promise<string>;
}

/** Creates the linker; everything it writes for one login is one transaction. */
export function createAccountLinker(deps: { store: IdentityLinkStore; allowSignup: boolean; audit?: AuditLog<unknown> }): AccountLinker {
  const audit = deps.audit ?? noAudit;
  return {
    userFor(external) {
      return deps.store.transaction(async (tx) => {
        const identity = { provider: external.provider, subject: external.subject, claims: external.claims };
        const linked = await tx.findLinkedUser(external.provider, external.subject);
        if (linked !== undefined) {
          await tx.touchIdentity(identity);
          return linked;
        }
        const address = emailOf(external);
        const owner = await tx.findEmailOwner(address);
        if (owner !== undefined) {
          // Linking by an address the provider does not vouch for would hand the account to
          // whoever registered that address with the provider.
          if (!external.emailVerified) throw new LoginError("user_conflict", "a user with this email address exists, and the provider has not verified it");
          // Nor to a user who holds the address unverified: anyone may add an address to their
          // account, and the real owner's provider login would then land in theirs.
          if (!owner.verified) throw new LoginError("user_conflict", "a user holds this email address without having verified it");
          await tx.link(identity, owner.userId, owner.emailId);
          return owner.userId;
        }
        if (!deps.allowSignup) throw new LoginError("signup_disabled", "sign-up is disabled");
        // An account made from an address nobody verified could be claimed before its owner
        // comes, and kept through the provider identity after: Hanko's refusal.
        if (!external.emailVerified) throw new LoginError("unverified_provider_email", "the provider has not verified this email address");
        const created = await tx.createUser(address, true, async (store, userId) => {
          const details = { provider: external.provider };
          await audit.record(store, { type: "user.created", outcome: "success", product: "hanko", userId, details });
          await audit.record(store, { type: "user.signed_up", outcome: "success", product: "hanko", userId, details });
        });
        await tx.link(identity, created.userId, created.emailId);
        return created.userId;
      });
    },
  };
}

function emailOf(external: ExternalUser): string {
  if (external.email === undefined) throw new LoginError("invalid_request", "the provider gave no email address");
  try {
    return normalizeEmail(external.email);
  } catch (error) {
    if (error instanceof DomainError) throw new LoginError("invalid_request", "the provider gave an invalid email address", { cause: error });
    throw error;
  }
}
