import type { AuditLog } from "../core/audit/audit.service.js";
import type { SecretBox } from "../core/keys/secret-box.js";
import type { OperatorKey } from "./operator-key.js";
import { fromStore } from "./stored-user.js";
import type { TransferStore } from "./transfer.port.js";

/** Users read per page: a page's worth of memory whatever the number of users. */
const pageSize = 500;

/** What an export reads with; `audit` records each export (who, when, with TOTP secrets or not) before its first line. */
export interface ExportOptions {
  store: TransferStore;
  secrets: SecretBox;
  exportKey?: OperatorKey;
  audit?: Pick<AuditLog<unknown>, "recordAlone">;
  /** Who exports, for the audit trail (the admin key's id, or the command line's operator). */
  actor?: string;
}

/**
 * Every user as lines of Tessera's export (JSON Lines, in user id order), read by keyset paging.
 * TOTP secrets only with `exportKey`, re-sealed under it; never clear.
 */
export async function* exportUsers(options: ExportOptions): AsyncGenerator<string> {
  // Recorded before anything is read: an export that stops halfway has still handed users out.
  await options.audit?.recordAlone({
    type: "users.exported",
    outcome: "success",
    product: "admin",
    ...(options.actor === undefined ? {} : { actor: options.actor }),
    details: { totp_secrets: options.exportKey !== undefined },
  });
  let after: string | undefined;
  for (;;) {
    const page = await options.store.usersAfter(after, pageSize);
    if (page.length === 0) return;
    for (const user of page) yield `${JSON.stringify(fromStore(user, options.secrets, options.exportKey))}\n`;
    after = page[page.length - 1]?.id;
  }
}
