import type { Logger } from "../log.js";
import { DeliveryOutcomeUnknown } from "./delivery-outcome-unknown.js";
import type { PendingMessage } from "./outbox.port.js";
import { sendOverSmtp, type SmtpTarget } from "./smtp-send.js";

/**
 * Delivers one outbox message or throws why it could not. When `signal` aborts (the outbox
 * gave up on the send, or is stopping) the sender stops at once: a message it had not finished
 * sending must not arrive afterwards. `DeliveryOutcomeUnknown` says it may have arrived.
 */
export type Sender = (message: PendingMessage, signal: AbortSignal) => Promise<void>;

/**
 * Where messages go. A channel without a target writes the whole message to the log when
 * `logBodies` (the embedded default, where the log is where a newcomer reads the code); else the
 * send fails without naming the recipient or the body, and the outbox keeps the message (retried
 * with backoff, dead-lettered when it expires) until the target is set.
 */
export interface SenderTargets {
  smtpUrl: string | undefined;
  smtpFrom: string;
  smsWebhookUrl: string | undefined;
  pushWebhookUrl: string | undefined;
  timeoutMs?: number;
  logBodies: boolean;
}

/** The setting that gives each channel its target. */
const targetSetting = { email: "SMTP_URL", sms: "SMS_WEBHOOK_URL", push: "PUSH_WEBHOOK_URL" } as const;

/** Senders for every channel (each email over an SMTP connection of its own). */
export function createSenders(targets: SenderTargets, logger: Logger, webhook?: Sender): { send: Sender } {
  const timeoutMs = targets.timeoutMs ?? 5_000;
  const smtp = targets.smtpUrl === undefined ? undefined : smtpTarget(targets.smtpUrl, timeoutMs);
  const missing = (Object.keys(targetSetting) as Array<keyof typeof targetSetting>).filter((channel) => targetOf(targets, channel) === undefined);
  for (const channel of missing) {
    if (targets.logBodies) logger.info(`no ${targetSetting[channel]}: codes are written to this log`, { channel });
    else logger.warn(`no ${targetSetting[channel]}: ${channel} messages cannot be delivered; they stay in the outbox (retried, dead-lettered when they expire) until it is set`, { channel });
  }
  const toLog = (message: PendingMessage, channel: keyof typeof targetSetting) => {
    if (!targets.logBodies) throw new Error(`no ${targetSetting[channel]} configured: ${channel} message not delivered`);
    // The embedded default has nowhere to send: the log is where a newcomer reads the code.
    logger.info(`${message.channel} not sent: no target configured`, { to: message.recipient, subject: message.subject, body: message.body });
  };
  const post = async (url: string, message: PendingMessage, signal: AbortSignal) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ to: message.recipient, body: message.body }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      // The small request has gone out as soon as the connection is up: a webhook cut short
      // while waiting may have taken the message.
      if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) throw new DeliveryOutcomeUnknown(`webhook did not answer: ${error.message}`, { cause: error });
      throw error;
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
  };
  const send: Sender = async (message, signal) => {
    switch (message.channel) {
      case "email":
        if (smtp === undefined) return toLog(message, "email");
        return sendOverSmtp(smtp, { from: targets.smtpFrom, to: message.recipient, subject: message.subject, text: message.body }, signal);
      case "sms":
        return targets.smsWebhookUrl === undefined ? toLog(message, "sms") : post(targets.smsWebhookUrl, message, signal);
      case "push":
        return targets.pushWebhookUrl === undefined ? toLog(message, "push") : post(targets.pushWebhookUrl, message, signal);
      case "webhook":
        // Each endpoint is its own target: an event queued for one always has where to go.
        if (webhook === undefined) throw new Error("webhook channel not configured");
        return webhook(message, signal);
    }
  };
  return { send };
}

function targetOf(targets: SenderTargets, channel: keyof typeof targetSetting): string | undefined {
  if (channel === "email") return targets.smtpUrl;
  return channel === "sms" ? targets.smsWebhookUrl : targets.pushWebhookUrl;
}

/** `smtp://user:pass@host:port` or `smtps://…` as an SMTP target. */
function smtpTarget(smtpUrl: string, timeoutMs: number): SmtpTarget {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname,
    port: Number(url.port) || (secure ? 465 : 587),
    secure,
    timeoutMs,
    ...(url.username === "" ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
  };
}
