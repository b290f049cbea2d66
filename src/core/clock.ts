/** Where services read the time from: the system clock in production, a fake one in unit tests. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };
