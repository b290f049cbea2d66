import type { SecretBox } from "../core/keys/secret-box.js";
import type { OperatorKey } from "./operator-key.js";
import { fromStore } from "./stored-user.js";
import type { TransferStore } from "./transfer.port.js";

/** Users read per page: a page's worth of memory whatever the number of users. */
const pageSize = 500;

/**
 * Every user as lines of Tessera's export (JSON Lines, in user id order), read by keyset paging.
 * TOTP secrets only with `exportKey`, re-sealed under it; never clear.
 */
export async function* exportUsers(options: { store: TransferStore; secrets: SecretBox; exportKey?: OperatorKey }): AsyncGenerator<string> {
  let after: string | undefined;
  for (;;) {
    const page = await options.store.usersAfter(after, pageSize);
    if (page.length === 0) return;
    for (const user of page) yield `${JSON.stringify(fromStore(user, options.secrets, options.exportKey))}\n`;
    after = page[page.length - 1]?.id;
  }
}
