import MailComposer from "nodemailer/lib/mail-composer/index.js";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import { DeliveryOutcomeUnknown } from "./delivery-outcome-unknown.js";

/** Where and how to reach the SMTP server. */
export interface SmtpTarget {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Per step: connecting, the greeting, and each reply. */
  timeoutMs: number;
}

/** One mail. */
export interface Mail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends one mail over a connection of its own and closes it. When `signal` aborts, the
 * connection is closed at once, so a mail whose data had not all gone out cannot complete
 * afterwards (a server drops a message whose connection ends before the final dot). A send
 * that ends without the server's answer after the data went out rejects with
 * `DeliveryOutcomeUnknown`; a send the server refused rejects with its reply.
 */
export function sendOverSmtp(target: SmtpTarget, mail: Mail, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const connection = new SMTPConnection({
      host: target.host,
      port: target.port,
      secure: target.secure,
      connectionTimeout: target.timeoutMs,
      greetingTimeout: target.timeoutMs,
      socketTimeout: target.timeoutMs,
    });
    const message = new MailComposer({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text }).compile();
    let dataWritten = false;
    let settled = false;
    const finish = (error?: Error & { responseCode?: number }) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      connection.close();
      if (error === undefined) resolve();
      // After the data went out, only the server's own reply says it refused the message.
      else if (dataWritten && error.responseCode === undefined) reject(new DeliveryOutcomeUnknown(`no answer from the SMTP server after the message was sent: ${error.message}`, { cause: error }));
      else reject(error);
    };
    const onAbort = () => finish(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    // Kept for good: a closed connection may still report errors of the write it cut short.
    connection.on("error", (error: Error) => finish(error));
    connection.on("end", () => finish(new Error("the SMTP server closed the connection")));
    const sendMessage = () => {
      const stream = message.createReadStream();
      stream.once("end", () => (dataWritten = true));
      connection.send(message.getEnvelope(), stream, (error) => finish(error ?? undefined));
    };
    connection.connect(() => {
      if (settled) return;
      if (target.auth === undefined) sendMessage();
      else connection.login(target.auth, (error) => (error ? finish(error) : sendMessage()));
    });
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("send aborted");
}
