import nodemailer from "nodemailer";
import type { Logger } from "../log.js";
import type { OutboxRow } from "./outbox.store.js";

/** Delivers one outbox message or throws why it could not. */
export type Sender = (message: OutboxRow) => Promise<void>;

/** Where messages go: unset targets write the message to the log instead. */
export interface SenderTargets {
  smtpUrl: string | undefined;
  smtpFrom: string;
  smsWebhookUrl: string | undefined;
  pushWebhookUrl: string | undefined;
  timeoutMs?: number;
}

/** Senders for every channel, plus a close() for the SMTP transport. */
export function createSenders(targets: SenderTargets, logger: Logger): { send: Sender; close(): void } {
  const timeoutMs = targets.timeoutMs ?? 5_000;
  const mailer =
    targets.smtpUrl === undefined
      ? undefined
      : nodemailer.createTransport({
          ...smtpOptions(targets.smtpUrl),
          // One connection per message: nodemailer never settles a send whose server closes the
          // connection before its greeting, and in a pool such a send would hold a slot for good.
          // The outbox's per-message timeout ends the attempt instead.
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        } as Parameters<typeof nodemailer.createTransport>[0]);
  const toLog = (message: OutboxRow) => {
    // The embedded default has nowhere to send: the log is where a newcomer reads the code.
    logger.info(`${message.channel} not sent: no target configured`, { to: message.recipient, subject: message.subject, body: message.body });
  };
  const webhook = async (url: string, message: OutboxRow) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: message.recipient, body: message.body }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  };
  const send: Sender = async (message) => {
    switch (message.channel) {
      case "email":
        if (mailer === undefined) return toLog(message);
        await mailer.sendMail({ from: targets.smtpFrom, to: message.recipient, subject: message.subject, text: message.body });
        return;
      case "sms":
        return targets.smsWebhookUrl === undefined ? toLog(message) : webhook(targets.smsWebhookUrl, message);
      case "push":
        return targets.pushWebhookUrl === undefined ? toLog(message) : webhook(targets.pushWebhookUrl, message);
    }
  };
  return { send, close: () => mailer?.close() };
}

/** `smtp://user:pass@host:port` or `smtps://…` as nodemailer options. */
function smtpOptions(smtpUrl: string): { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } } {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname,
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    ...(url.username === "" ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
  };
}
