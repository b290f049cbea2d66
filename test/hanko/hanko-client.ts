import { expect } from "vitest";
import { rest } from "../harness/rest.js";
import type { TestServer } from "../harness/server.js";

let counter = 0;

/** A fresh, unique email address. */
export function freshEmail(): string {
  return `user${++counter}-${process.pid}-${Date.now()}@example.com`;
}

/** The newest passcode the server wrote to its log for `address` (no SMTP target configured). */
export async function passcodeFromLog(server: TestServer, address: string): Promise<string> {
  let code: string | undefined;
  await expect
    .poll(() => {
      for (const line of [...server.logs].reverse()) {
        const entry = JSON.parse(line) as { to?: string; body?: string };
        const match = entry.to === address ? /passcode is (\d{6})/.exec(entry.body ?? "") : null;
        if (match) {
          code = match[1];
          return true;
        }
      }
      return false;
    })
    .toBe(true);
  return code!;
}

/** A Hanko user created over REST and logged in with a passcode. */
export interface LoggedInUser {
  userId: string;
  emailId: string;
  email: string;
  token: string;
  bearer: Record<string, string>;
}

/** Creates a user and logs them in with a passcode read from the log. */
export async function signUpAndLogIn(server: TestServer): Promise<LoggedInUser> {
  const email = freshEmail();
  const created = await rest(server.url, "POST", "/users", { body: { email } });
  expect(created.status).toBe(200);
  const { user_id: userId, email_id: emailId } = created.json as { user_id: string; email_id: string };
  const token = await logInWithPasscode(server, userId, email);
  return { userId, emailId, email, token, bearer: { authorization: `Bearer ${token}` } };
}

/** Runs a passcode login for `userId` and returns the session token from `X-Auth-Token`. */
export async function logInWithPasscode(server: TestServer, userId: string, email: string): Promise<string> {
  const init = await rest(server.url, "POST", "/passcode/login/initialize", { body: { user_id: userId } });
  expect(init.status).toBe(200);
  const { id } = init.json as { id: string };
  const code = await passcodeFromLog(server, email);
  const final = await rest(server.url, "POST", "/passcode/login/finalize", { body: { id, code } });
  expect(final.status).toBe(200);
  return String(final.headers["x-auth-token"]);
}
