/**
 * Wrong passwords per user, whichever product checks the user's one password (Hanko by user id,
 * the Authenticator API by any of the user's addresses): every product that verifies the shared
 * password hash counts against this one counter, so switching API or address buys no guesses.
 * Products add their own reason and message.
 */
export const passwordGuesses = { name: "password", max: 10, windowSeconds: 15 * 60 } as const;
