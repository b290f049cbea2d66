import { Code, ConnectError } from "@connectrpc/connect";
import type { DeadlineSweep, Expiring } from "./deadline-sweep.js";
import { bodyTimeoutMs, type ReadBound } from "../read-body.js";

/** Where a call's client can go away: the stream or the response the call answers on. */
export interface ClientWatch {
  /** Runs `gone` if the client goes away before the call ends, at once if it has gone already. */
  watchClient(gone: () => void): void;
}

/**
 * The deadline and the abort signal of one call. The signal is made only when something asks
 * for it or a deadline passes: connect-node's context costs an AbortController, two linked
 * listeners and a DOMException per call, most of a unary call's own work. It aborts with
 * DEADLINE_EXCEEDED when the deadline passes, CANCELED when the client goes away first, and
 * without a reason when the call ends (as connect-node's does). The deadline also bounds the
 * read of the request body, as does bodyTimeoutMs. Its timer is the shared `sweep`.
 */
export class CallLifetime implements Expiring, ReadBound<ConnectError> {
  private controller: AbortController | undefined;
  private ended = false;
  private deadlinePassed = false;
  private readonly deadline: number | undefined;
  /** When the body read in progress must be over (Infinity when none is). */
  private readUntil = Infinity;
  private failRead: ((error: ConnectError) => void) | undefined;
  /** The time the sweep expires this call at, and its key there. */
  private waitingFor = Infinity;
  private sweepKey = 0;

  /** `client` is watched once, when the signal is first made. */
  constructor(
    timeoutMs: number | undefined,
    private readonly client: ClientWatch,
    private readonly sweep: DeadlineSweep,
  ) {
    if (timeoutMs === undefined) return;
    this.deadline = sweep.clock.now() + timeoutMs;
    if (timeoutMs > 0) this.wait();
    else this.passDeadline();
  }

  get signal(): AbortSignal {
    return this.made().signal;
  }

  /** Milliseconds left before the deadline, or undefined without one. */
  timeoutMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - this.sweep.clock.now();
  }

  /** A body read begins: `fail` gets DEADLINE_EXCEEDED if the deadline or bodyTimeoutMs passes first. */
  boundRead(fail: (error: ConnectError) => void): void {
    const now = this.sweep.clock.now();
    if (this.deadline !== undefined && now >= this.deadline) return fail(deadlineExceeded());
    this.failRead = fail;
    this.readUntil = now + bodyTimeoutMs;
    this.wait();
  }

  /** The body read is over. */
  readDone(): void {
    this.failRead = undefined;
    this.readUntil = Infinity;
    this.wait();
  }

  /** The call's answer is decided: it leaves the sweep and a signal that was made aborts. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.failRead = undefined;
    this.wait();
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort();
  }

  /** Called by the sweep when the earlier of the deadline and the body read's bound has passed. */
  expire(now: number): void {
    this.waitingFor = Infinity;
    const fail = this.failRead;
    if (this.deadline !== undefined && now >= this.deadline) {
      this.failRead = undefined;
      fail?.(deadlineExceeded());
      this.passDeadline();
      return;
    }
    if (now >= this.readUntil) {
      this.failRead = undefined;
      this.readUntil = Infinity;
      fail?.(new ConnectError("the request body took too long", Code.DeadlineExceeded));
    }
    this.wait();
  }

  /** Puts the call in the sweep at the earlier of its bounds, or takes it out when it has none. */
  private wait(): void {
    const at = this.ended || this.deadlinePassed ? Infinity : Math.min(this.deadline ?? Infinity, this.readUntil);
    if (at === this.waitingFor) return;
    if (this.waitingFor !== Infinity) this.sweep.remove(this.sweepKey, this);
    this.waitingFor = at;
    if (at !== Infinity) this.sweepKey = this.sweep.add(at, this);
  }

  private passDeadline(): void {
    this.deadlinePassed = true;
    this.abort(deadlineExceeded());
  }

  private abort(reason: ConnectError): void {
    if (this.ended) return;
    const controller = this.made();
    if (!controller.signal.aborted) controller.abort(reason);
  }

  private made(): AbortController {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      // Asked for after the call ended: it is over, as connect-node's would say.
      if (this.ended) {
        this.controller.abort();
        return this.controller;
      }
      this.client.watchClient(() => this.abort(new ConnectError("the client went away", Code.Canceled)));
    }
    return this.controller;
  }
}

function deadlineExceeded(): ConnectError {
  return new ConnectError("the operation timed out", Code.DeadlineExceeded);
}
