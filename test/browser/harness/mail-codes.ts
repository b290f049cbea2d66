import { expect } from "vitest";
import { mailText, type SmtpSink } from "../../harness/smtp-sink.js";

/** The 6-digit code of the `index`-th mail (0-based) to `to`, once it arrived in the sink. */
export async function mailedCode(sink: SmtpSink, to: string, index = 0): Promise<string> {
  const mails = () => sink.messages.filter((mail) => mail.to.includes(to));
  await expect.poll(() => mails().length, { timeout: 5_000 }).toBeGreaterThan(index);
  const match = /code is (\d{6})/.exec(mailText(mails()[index]!.raw));
  expect(match, "a 6-digit code in the mail").not.toBeNull();
  return match![1]!;
}
