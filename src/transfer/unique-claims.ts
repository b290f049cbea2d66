import type { UserToStore } from "./transfer.port.js";

/** A value a user would hold that no other user of the tenant may: the unique constraint and the key under it. */
export interface UniqueClaim {
  constraint: string;
  /** The tenant and the value, as one string (binaries base64url). */
  key: string;
}

/** Every unique value the user would hold, under the constraint that keeps it unique. */
export function claimsOf(user: UserToStore): UniqueClaim[] {
  const at = (constraint: string, ...parts: string[]): UniqueClaim => ({ constraint, key: JSON.stringify([user.tenantId, ...parts]) });
  return [
    ...user.emails.map((email) => at("emails_tenant_address_key", email.address)),
    ...user.phones.map((phone) => at("phone_numbers_tenant_number_key", phone.number)),
    ...user.credentials.map((credential) => at("webauthn_credentials_tenant_credential_key", Buffer.from(credential.credentialId).toString("base64url"))),
    ...(user.authfi === null ? [] : [at("authfi_users_tenant_name_key", user.authfi.name)]),
    ...(user.username === null ? [] : [at("users_tenant_username_key", user.username)]),
    ...user.identities.map((identity) => at("identities_provider_user_key", identity.provider, identity.providerUserId)),
  ];
}

/** One string per claim, constraint included (an email and a username may be the same text). */
export function claimId(claim: UniqueClaim): string {
  return `${claim.constraint} ${claim.key}`;
}

/** The first claim the user makes twice (one value written two ways: a phone number with spaces, a credential id in two base64url spellings), if any. */
export function repeatedClaim(claims: UniqueClaim[]): UniqueClaim | undefined {
  const seen = new Set<string>();
  for (const claim of claims) {
    const id = claimId(claim);
    if (seen.has(id)) return claim;
    seen.add(id);
  }
  return undefined;
}
