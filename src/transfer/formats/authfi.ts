import type { TransferUser } from "../transfer-user.js";
import { readFlatCredential, sourceHandle } from "./device.js";
import { distinctCredentials, list, object, optionalString, recordDates, refuse, string, userIdOf } from "./fields.js";

/** AuthFi's limit of keys per user (its code 3001). */
const maxKeys = 10;

/**
 * An AuthFi user of an access point with its keys: `access_point` (the slug of an access point
 * created with `rp create`), `id`, `name`, `display_name`, `state` (`activate` or `suspend`),
 * `keys[]` (WebAuthn credentials) and `created_at`/`updated_at`.
 */
export function readAuthfiUser(record: unknown): TransferUser {
  const user = object(record, "the user");
  const tenant = string(user.access_point, "access_point");
  const name = string(user.name, "name");
  if (name.length > 256) refuse("name is longer than 256 characters");
  const state = user.state ?? "activate";
  if (state !== "activate" && state !== "suspend") refuse('state must be "activate" or "suspend"');
  const id = userIdOf(`authfi:${tenant}`, optionalString(user.id, "id"));
  const handle = sourceHandle(id.sourceId);
  const keys = list(user.keys, "keys");
  if (keys.length > maxKeys) refuse(`more than ${maxKeys} keys`);
  return {
    ...id,
    tenant,
    ...recordDates(user),
    emails: [],
    phones: [],
    passwordHash: null,
    webauthn: distinctCredentials(
      keys.map((item, index) => readFlatCredential(item, `keys[${index}]`, "authfi", handle)),
      (index) => `keys[${index}].credential_id`,
    ),
    factors: null,
    authfi: { name, displayName: optionalString(user.display_name, "display_name") ?? name, state },
  };
}
