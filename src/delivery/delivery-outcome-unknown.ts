/**
 * A send that ended without an answer after the whole message had gone out: the recipient's
 * server may have it. The outbox does not retry such a message at once.
 */
export class DeliveryOutcomeUnknown extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DeliveryOutcomeUnknown";
  }
}
