/**
 * Issues the session of a user whose factor (a password, a passcode) was right; `recordLogin`
 * writes the login's `login.succeeded` event and must run in the session's transaction, so that a
 * session refused (a locked user: USER_LOCKED) is recorded as the failed login it is, never as a
 * success.
 */
export type IssueAfterLogin<T> = (userId: string, recordLogin: (tx: unknown) => Promise<void>) => Promise<T>;
