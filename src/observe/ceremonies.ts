/** The RPCs that finish a WebAuthn ceremony, and the ceremony. */
export const webauthnCeremonyOf: ReadonlyMap<string, "registration" | "login" | "verification"> = new Map([
  ["tessera.webauthn.v1.WebAuthnService/FinalizeRegistration", "registration"],
  ["tessera.webauthn.v1.WebAuthnService/FinalizeLogin", "login"],
  ["tessera.webauthn.v1.WebAuthnService/AuthfiFinishRegistration", "registration"],
  ["tessera.webauthn.v1.WebAuthnService/AuthfiFinishLogin", "login"],
  ["tessera.webauthn.v1.WebAuthnService/AuthfiFinishVerification", "verification"],
  ["tessera.authenticator.v1.AuthenticatorService/VerifyDevice", "registration"],
  ["tessera.authenticator.v1.AuthenticatorService/VerifyLoginDevice", "login"],
]);

/** The RPCs whose success logs someone in (the last step of a login), and the method. */
export const loginMethodOf: ReadonlyMap<string, "password" | "passcode" | "code" | "webauthn" | "token" | "push"> = new Map([
  ["tessera.session.v1.SessionService/LoginWithPassword", "password"],
  ["tessera.session.v1.SessionService/ExchangeToken", "token"],
  ["tessera.verify.v1.VerifyService/FinalizePasscodeLogin", "passcode"],
  ["tessera.authenticator.v1.AuthenticatorService/VerifyLoginCode", "code"],
  ["tessera.authenticator.v1.AuthenticatorService/VerifyLoginDevice", "webauthn"],
  ["tessera.webauthn.v1.WebAuthnService/FinalizeLogin", "webauthn"],
  ["tessera.webauthn.v1.WebAuthnService/AuthfiFinishLogin", "webauthn"],
  ["tessera.scope.v1.ScopeService/PushLogin", "push"],
]);
