import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The abort signal of one call, made only when something asks for it or a deadline passes:
 * connect-node's context costs an AbortController, two linked listeners and a DOMException per
 * call, most of a unary call's own work. It aborts with DEADLINE_EXCEEDED when the deadline
 * passes, CANCELED when the client goes away first, and without a reason when the call ends
 * (as connect-node's does).
 */
export class CallLifetime {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly deadline: number | undefined;

  /**
   * `watchClient` is called once, when the signal is first made, with what to run if the
   * client goes away before the call ends (at once if it has gone already).
   */
  constructor(
    timeoutMs: number | undefined,
    private readonly watchClient: (gone: () => void) => void,
  ) {
    if (timeoutMs === undefined) return;
    this.deadline = Date.now() + timeoutMs;
    if (timeoutMs <= 0) this.abort(deadlineExceeded());
    else this.timer = setTimeout(() => this.abort(deadlineExceeded()), timeoutMs);
  }

  get signal(): AbortSignal {
    return this.made().signal;
  }

  /** Milliseconds left before the deadline, or undefined without one. */
  timeoutMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - Date.now();
  }

  /** The call's answer is decided: the timer stops and a signal that was made aborts. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort();
  }

  private abort(reason: ConnectError): void {
    if (this.ended) return;
    const controller = this.made();
    if (!controller.signal.aborted) controller.abort(reason);
  }

  private made(): AbortController {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      this.watchClient(() => this.abort(new ConnectError("the client went away", Code.Canceled)));
    }
    return this.controller;
  }
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}
