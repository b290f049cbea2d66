import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { bodyTimeoutMs } from "../read-body.js";
import { CallLifetime } from "./call-lifetime.js";
import { DeadlineSweep, maxTimerMs } from "./deadline-sweep.js";
import { FakeSweepClock } from "./fake-sweep-clock.js";

function setup() {
  const clock = new FakeSweepClock(0);
  const sweep = new DeadlineSweep(clock, 10);
  const lifetime = (timeoutMs: number | undefined) => new CallLifetime(timeoutMs, { watchClient: () => undefined }, sweep);
  return { clock, sweep, lifetime };
}

function codeOf(signal: AbortSignal): Code | undefined {
  return signal.aborted ? ConnectError.from(signal.reason).code : undefined;
}

describe("CallLifetime", () => {
  it("aborts its signal with DEADLINE_EXCEEDED when the deadline passes", () => {
    const { clock, lifetime } = setup();
    const call = lifetime(200);
    const signal = call.signal;
    clock.advance(199);
    expect(codeOf(signal)).toBeUndefined();
    expect(call.timeoutMs()).toBe(1);
    clock.advance(11);
    expect(codeOf(signal)).toBe(Code.DeadlineExceeded);
  });

  // setTimeout with more than 2^31-1 ms fires at once: such a deadline ended calls as they began.
  it("a deadline beyond 2^31-1 ms does not fire early", () => {
    const { clock, lifetime } = setup();
    const timeoutMs = 99_999_999 * 3_600_000;
    const call = lifetime(timeoutMs);
    const signal = call.signal;
    clock.advance(maxTimerMs + 1_000);
    expect(codeOf(signal)).toBeUndefined();
    expect(call.timeoutMs()).toBe(timeoutMs - maxTimerMs - 1_000);
    expect(clock.delays.every((delay) => delay <= maxTimerMs)).toBe(true);
  });

  it("the deadline bounds the body read: the read fails with DEADLINE_EXCEEDED", () => {
    const { clock, lifetime } = setup();
    const call = lifetime(300);
    const failures: ConnectError[] = [];
    call.boundRead((error) => failures.push(error));
    clock.advance(310);
    expect(failures.map((error) => error.code)).toEqual([Code.DeadlineExceeded]);
    expect(codeOf(call.signal)).toBe(Code.DeadlineExceeded);
  });

  it("without a deadline the body read is bounded by bodyTimeoutMs, and the call goes on", () => {
    const { clock, sweep, lifetime } = setup();
    const call = lifetime(undefined);
    const failures: ConnectError[] = [];
    call.boundRead((error) => failures.push(error));
    clock.advance(bodyTimeoutMs - 1);
    expect(failures).toEqual([]);
    clock.advance(11);
    expect(failures.map((error) => error.code)).toEqual([Code.DeadlineExceeded]);
    expect(call.signal.aborted).toBe(false);
    expect(sweep.size).toBe(0);
  });

  it("a body read over before the deadline leaves the call waiting for the deadline only", () => {
    const { clock, sweep, lifetime } = setup();
    const call = lifetime(bodyTimeoutMs * 2);
    const failures: ConnectError[] = [];
    call.boundRead((error) => failures.push(error));
    call.readDone();
    clock.advance(bodyTimeoutMs + 10);
    expect(failures).toEqual([]);
    expect(sweep.size).toBe(1);
    call.end();
    expect(sweep.size).toBe(0);
    clock.advance(bodyTimeoutMs * 2);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).not.toBeInstanceOf(ConnectError);
  });

  it("a read that begins after the deadline fails at once", () => {
    const { lifetime } = setup();
    const call = lifetime(0);
    const failures: ConnectError[] = [];
    call.boundRead((error) => failures.push(error));
    expect(failures.map((error) => error.code)).toEqual([Code.DeadlineExceeded]);
  });
});
