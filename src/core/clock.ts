/** Where services read the time: injected, so tests move it instead of sleeping. */
export interface Clock {
  now(): Date;
}

/** The system's clock. */
export const systemClock: Clock = { now: () => new Date() };
