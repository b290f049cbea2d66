import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { useAbuseServer } from "./abuse-server.js";
import { authfiRefused, restOutcome, rpcOutcome, rpcOutput, transports, webauthnRpc, type Outcome, type Transport } from "./outcome.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { accessPoint, apiKey, authenticator, authfi, loginChallenge as authfiLoginChallenge, newName, registerKey, verificationChallenge } from "../authfi/authfi-client.js";
import { api, auth, logIn, signUpVerified, type Sinks } from "../authenticator/authenticator-client.js";
import { asMessage } from "../authenticator/rpc-client.js";
import { registerDevice, registerPasskey } from "./ceremonies.js";

// One table of abuse cases for discoverable (usernameless) WebAuthn logins, where no user is
// named before the assertion and the credential and its user handle say who logs in: Hanko's
// login without a user id and AuthFi's first-factor login, over REST, gRPC, Connect JSON and
// binary, and gRPC-Web. Such a challenge is bound to no user, so it must still be bound to its
// tenant, product and ceremony, used once, and short lived, and the user handle must be the
// credential's owner.

let server: TestServer;
let sinks: Sinks;
useAbuseServer((running) => ({ server, sinks } = running));

type Assertion = ReturnType<typeof authenticator.get>;

/** A user holding one discoverable credential. */
interface Subject {
  userId: string;
  credential: SoftwareCredential;
  name?: string;
  account?: Awaited<ReturnType<typeof signUpVerified>>;
}

type Refusal = "replayed" | "expired" | "foreign" | "user_handle" | "counter" | "unknown" | "origin" | "rp_id";

/** One product's discoverable login, over a transport. */
interface Use {
  enrol(): Promise<Subject>;
  /** The challenge of a discoverable login (no user named). */
  challenge(transport: Transport): Promise<string>;
  finish(assertion: Assertion, transport: Transport): Promise<Outcome>;
  /** Challenges other products, tenants and steps issued that the subject's credential could sign. */
  foreign(subject: Subject): Promise<Array<[string, string]>>;
  refusal(kind: Refusal, transport: Transport): unknown;
}


const hankoChallenge = async (body: Record<string, unknown>) => ((await rest(server.url, "POST", "/webauthn/login/initialize", { body })).json as { publicKey: { challenge: string } }).publicKey.challenge;
const hankoSubject = async (): Promise<Subject> => {
  const account = await signUpVerified(server, sinks);
  return { userId: account.userId, credential: await registerPasskey(server, sinks, account), account };
};
/** The same assertion a passkey gives, its user handle included. */
const sign = (credential: SoftwareCredential, challenge: string, overrides: Parameters<typeof authenticator.get>[2] = {}) => authenticator.get(credential, challenge, { withUserHandle: true, ...overrides });

const uses: Record<string, Use> = {
  hanko: {
    enrol: hankoSubject,
    async challenge(transport) {
      if (transport === "rest") return hankoChallenge({});
      return (rpcOutput(await webauthnRpc(server, transport, "InitializeLogin", {})).publicKey as { challenge: string }).challenge;
    },
    async finish(assertion, transport) {
      if (transport === "rest") return restOutcome(await rest(server.url, "POST", "/webauthn/login/finalize", { body: assertion }));
      return rpcOutcome(await webauthnRpc(server, transport, "FinalizeLogin", asMessage(assertion)));
    },
    async foreign(subject) {
      await registerDevice(server, subject.account!);
      const identified = await logIn(server, sinks, subject.account!);
      const device = ((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).json as { publicKey: { challenge: string } }).publicKey.challenge;
      return [
        ["another user's login", await hankoChallenge({ user_id: (await hankoSubject()).userId })],
        ["the Authenticator API's device login of the same user (another product)", device],
        ["AuthFi's discoverable login (another tenant)", await authfiLoginChallenge(server)],
      ];
    },
    refusal: (_kind, transport) => (transport === "rest" ? { status: 401, json: { code: 401 } } : { code: Code.Unauthenticated, reason: "WEBAUTHN_LOGIN_FAILED" }),
  },

  authfi: {
    async enrol() {
      const name = newName();
      const key = await registerKey(server, name);
      return { userId: key.userId, credential: key.credential, name };
    },
    async challenge(transport) {
      if (transport === "rest") return authfiLoginChallenge(server);
      const output = rpcOutput(await webauthnRpc(server, transport, "AuthfiBeginLogin", { accessPoint, params: { userVerification: "required" } }, { "at-x-key": apiKey }));
      return (output.fido_login_request as { challenge: string }).challenge;
    },
    async finish(assertion, transport) {
      if (transport === "rest") return restOutcome(await authfi(server, "PUT", "/webauthn/login", { fido_login_response: assertion }));
      return rpcOutcome(await webauthnRpc(server, transport, "AuthfiFinishLogin", { accessPoint, fidoLoginResponse: asMessage(assertion) }, { "at-x-key": apiKey }));
    },
    async foreign(subject) {
      return [
        ["AuthFi's verification of the same user (another purpose)", await verificationChallenge(server, subject.name!)],
        ["Hanko's discoverable login (another tenant)", await hankoChallenge({})],
      ];
    },
    refusal(kind, transport) {
      const reasons = {
        replayed: "AUTHFI_CLIENT_DATA_INVALID",
        foreign: "AUTHFI_CLIENT_DATA_INVALID",
        origin: "AUTHFI_CLIENT_DATA_INVALID",
        rp_id: "AUTHFI_AUTHENTICATOR_DATA_INVALID",
        expired: "AUTHFI_CEREMONY_TIMEOUT",
        unknown: "AUTHFI_KEY_NOT_FOUND",
        user_handle: "AUTHFI_ASSERTION_REFUSED",
        counter: "AUTHFI_ASSERTION_REFUSED",
      } as const;
      return authfiRefused(reasons[kind], transport);
    },
  },
};

const cases: Array<[string, (use: Use, transport: Transport) => Promise<void>]> = [
  // Replay: an answered challenge must not log in again.
  ["refuses a challenge answered once already", async (use, transport) => {
    const subject = await use.enrol();
    const challenge = await use.challenge(transport);
    expect(await use.finish(sign(subject.credential, challenge), transport)).toMatchObject({ ok: true });
    expect(await use.finish(sign(subject.credential, challenge), transport)).toMatchObject({ ok: false, answer: use.refusal("replayed", transport) });
  }],
  ["refuses an expired challenge", async (use, transport) => {
    const subject = await use.enrol();
    const challenge = await use.challenge(transport);
    await server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", challenge).execute();
    expect(await use.finish(sign(subject.credential, challenge), transport)).toMatchObject({ ok: false, answer: use.refusal("expired", transport) });
  }],
  // Challenge substitution: a challenge bound to another user, product, tenant or step logs nobody in here.
  ["refuses challenges issued to another user, product, tenant or purpose", async (use, transport) => {
    const subject = await use.enrol();
    const foreign = await use.foreign(subject);
    expect(foreign.length).toBeGreaterThan(1);
    for (const [label, challenge] of foreign) {
      expect(await use.finish(sign(subject.credential, challenge), transport), label).toMatchObject({ ok: false, answer: use.refusal("foreign", transport) });
    }
  }],
  // A user handle naming someone else than the credential's owner must not log that someone in.
  ["refuses a user handle that is not the credential's user", async (use, transport) => {
    const subject = await use.enrol();
    const stranger = await use.enrol();
    const forged = { ...subject.credential, userHandle: stranger.credential.userHandle };
    expect(await use.finish(sign(forged, await use.challenge(transport)), transport)).toMatchObject({ ok: false, answer: use.refusal("user_handle", transport) });
  }],
  // A cloned authenticator replays an old sign count (WebAuthn level 3 §6.1.1).
  ["refuses a sign count that did not grow", async (use, transport) => {
    const subject = await use.enrol();
    expect(await use.finish(sign(subject.credential, await use.challenge(transport), { counter: 5 }), transport)).toMatchObject({ ok: true });
    expect(await use.finish(sign(subject.credential, await use.challenge(transport), { counter: 5 }), transport)).toMatchObject({ ok: false, answer: use.refusal("counter", transport) });
  }],
  ["refuses a credential nobody registered", async (use, transport) => {
    const unknown = authenticator.newCredential(Buffer.from("someone")).credential;
    expect(await use.finish(sign(unknown, await use.challenge(transport)), transport)).toMatchObject({ ok: false, answer: use.refusal("unknown", transport) });
  }],
  // Phishing: a look-alike site relays our challenge to the user's passkey.
  ["refuses an assertion made for another origin", async (use, transport) => {
    const subject = await use.enrol();
    expect(await use.finish(sign(subject.credential, await use.challenge(transport), { origin: "https://rp.example.com.evil.example" }), transport)).toMatchObject({ ok: false, answer: use.refusal("origin", transport) });
  }],
  // An assertion scoped to another relying party (its rpIdHash) is no login here.
  ["refuses an assertion scoped to another RP id", async (use, transport) => {
    const subject = await use.enrol();
    const elsewhere = new SoftwareAuthenticator(authenticator.origin, "evil.example");
    expect(await use.finish(elsewhere.get(subject.credential, await use.challenge(transport), { withUserHandle: true }), transport)).toMatchObject({ ok: false, answer: use.refusal("rp_id", transport) });
  }],
  // Racing one assertion: the challenge is used up in one statement, so exactly one logs in.
  ["lets exactly one of five concurrent finishes of one assertion pass", async (use, transport) => {
    const subject = await use.enrol();
    const assertion = sign(subject.credential, await use.challenge(transport));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => use.finish(assertion, transport)));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
  }],
];

describe.each(Object.keys(uses))("discoverable WebAuthn login abuse cases for %s", (product) => {
  const use = uses[product]!;
  describe.each(transports)("over %s", (transport) => {
    it.each(cases)("%s", async (_name, abuse) => {
      await abuse(use, transport);
    });
  });
});
