import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { useAbuseServer } from "./abuse-server.js";
import { authenticatorRpc, authfiRefused, restOutcome, rpcOutcome, rpcOutput, transports, webauthnRpc, type Outcome, type Transport } from "./outcome.js";
import type { TestServer } from "../harness/server.js";
import { SoftwareAuthenticator, type SoftwareCredential } from "../harness/software-authenticator.js";
import { accessPoint, apiKey, authenticator, authfi, loginChallenge as authfiLoginChallenge, newName, registerKey } from "../authfi/authfi-client.js";
import { api, auth, logIn, signUpVerified, type Account, type Held, type Sinks } from "../authenticator/authenticator-client.js";
import { asMessage } from "../authenticator/rpc-client.js";
import { registerDevice as registerDeviceOf, registerPasskey as registerPasskeyOf } from "./ceremonies.js";

// One table of abuse cases for the WebAuthn ceremony, run against every product's use of it
// (Hanko's user-bound login, AuthFi's verification, the Authenticator API's device login) over
// REST, gRPC, Connect JSON and binary, and gRPC-Web. All three share the default tenant's
// challenges (AuthFi its access point's), so a challenge must be bound to user, tenant, product
// and purpose as well as being single use and short lived.

let server: TestServer;
let sinks: Sinks;
useAbuseServer((running) => ({ server, sinks } = running));

type Assertion = ReturnType<typeof authenticator.get>;

/** A user of a product holding one registered credential, with the product's session state. */
interface Subject {
  userId: string;
  credential: SoftwareCredential;
  /** The Authenticator API's identified token of the login under way. */
  identified?: Held;
  account?: Account;
  name?: string;
}

/** The refusals a case expects of a product. */
type Refusal = "replayed" | "expired" | "foreign" | "another_user" | "counter" | "unknown" | "origin" | "rp_id";

/** One product's use of the ceremony, over a transport. */
interface Use {
  /** A user with one credential (set up over REST: the case is the login). */
  enrol(): Promise<Subject>;
  /** Login options issued for the subject's login step: the challenge. */
  challenge(subject: Subject, transport: Transport): Promise<string>;
  finish(subject: Subject, assertion: Assertion, transport: Transport): Promise<Outcome>;
  /** Challenges other products and steps issued that the subject's credential could sign. */
  foreign(subject: Subject): Promise<Array<[string, string]>>;
  /** What a client sees for each refusal. */
  refusal(kind: Refusal, transport: Transport): unknown;
}


/**
 * Registers a Hanko passkey for a new user, signed up through the Authenticator API (the two
 * share the default tenant's users), so that the same user can be issued the Authenticator
 * API's challenges too.
 */
async function hankoSubject(): Promise<Subject> {
  const account = await signUpVerified(server, sinks);
  return { userId: account.userId, credential: await registerPasskey(account), account };
}

const registerPasskey = (account: Account) => registerPasskeyOf(server, sinks, account);
const registerDevice = (account: Account) => registerDeviceOf(server, account);

/** Signs an Authenticator API user up and registers a device (devices are then allowed). */
async function authenticatorSubject(): Promise<Subject> {
  const account = await signUpVerified(server, sinks);
  return { userId: account.userId, credential: await registerDevice(account), account };
}

const hankoDiscoverable = async () => ((await rest(server.url, "POST", "/webauthn/login/initialize", { body: {} })).json as { publicKey: { challenge: string } }).publicKey.challenge;
const hankoFor = async (userId: string) => ((await rest(server.url, "POST", "/webauthn/login/initialize", { body: { user_id: userId } })).json as { publicKey: { challenge: string } }).publicKey.challenge;
const authenticatorFor = async (subject: Subject) => {
  const identified = await logIn(server, sinks, subject.account!);
  return ((await api(server, "GET", "/login/verify-device", { headers: auth(identified) })).json as { publicKey: { challenge: string } }).publicKey.challenge;
};
const authfiVerification = async (name: string) =>
  ((await authfi(server, "POST", "/webauthn/verification", { uId: name, params: { userVerification: "required" } })).json as { fido_auth_request: { challenge: string } }).fido_auth_request.challenge;

const hankoRefused = (transport: Transport) =>
  transport === "rest" ? { status: 401, json: { code: 401 } } : { code: Code.Unauthenticated, reason: "WEBAUTHN_LOGIN_FAILED" };

const uses: Record<string, Use> = {
  hanko: {
    enrol: hankoSubject,
    async challenge(subject, transport) {
      if (transport === "rest") return hankoFor(subject.userId);
      return (rpcOutput(await webauthnRpc(server, transport, "InitializeLogin", { userId: subject.userId })).publicKey as { challenge: string }).challenge;
    },
    async finish(_subject, assertion, transport) {
      if (transport === "rest") return restOutcome(await rest(server.url, "POST", "/webauthn/login/finalize", { body: assertion }));
      return rpcOutcome(await webauthnRpc(server, transport, "FinalizeLogin", asMessage(assertion)));
    },
    async foreign(subject) {
      const other = await authenticatorSubject();
      // The same user's device login: same tenant and user, so only the purpose refuses it.
      await registerDevice(subject.account!);
      return [
        ["the Authenticator API's device login of the same user", await authenticatorFor(subject)],
        ["the Authenticator API's device login of another user", await authenticatorFor(other)],
        ["AuthFi's discoverable login", await authfiLoginChallenge(server)],
      ];
    },
    refusal: (_kind, transport) => hankoRefused(transport),
  },

  authfi: {
    async enrol() {
      const name = newName();
      const key = await registerKey(server, name);
      return { userId: key.userId, credential: key.credential, name };
    },
    async challenge(subject, transport) {
      if (transport === "rest") return authfiVerification(subject.name!);
      const output = rpcOutput(await webauthnRpc(server, transport, "AuthfiBeginVerification", { accessPoint, uId: subject.name!, params: { userVerification: "required" } }, { "at-x-key": apiKey }));
      return (output.fido_auth_request as { challenge: string }).challenge;
    },
    async finish(_subject, assertion, transport) {
      if (transport === "rest") return restOutcome(await authfi(server, "PUT", "/webauthn/verification", { fido_auth_response: assertion }));
      return rpcOutcome(await webauthnRpc(server, transport, "AuthfiFinishVerification", { accessPoint, fidoAuthResponse: asMessage(assertion) }, { "at-x-key": apiKey }));
    },
    async foreign(subject) {
      return [
        ["AuthFi's discoverable login (another purpose)", await authfiLoginChallenge(server)],
        ["Hanko's discoverable login (another tenant)", await hankoDiscoverable()],
        ["Hanko's login for the same user id (another tenant)", await hankoFor((await hankoSubject()).userId)],
      ].filter(([, challenge]) => challenge !== subject.name) as Array<[string, string]>;
    },
    refusal(kind, transport) {
      const reasons = {
        replayed: "AUTHFI_CLIENT_DATA_INVALID",
        foreign: "AUTHFI_CLIENT_DATA_INVALID",
        expired: "AUTHFI_CEREMONY_TIMEOUT",
        another_user: "AUTHFI_KEY_NOT_FOUND",
        unknown: "AUTHFI_KEY_NOT_FOUND",
        counter: "AUTHFI_ASSERTION_REFUSED",
        origin: "AUTHFI_CLIENT_DATA_INVALID",
        rp_id: "AUTHFI_AUTHENTICATOR_DATA_INVALID",
      } as const;
      return authfiRefused(reasons[kind], transport);
    },
  },

  authenticator: {
    enrol: authenticatorSubject,
    async challenge(subject, transport) {
      subject.identified = await logIn(server, sinks, subject.account!);
      if (transport === "rest") return ((await api(server, "GET", "/login/verify-device", { headers: auth(subject.identified) })).json as { publicKey: { challenge: string } }).publicKey.challenge;
      return (rpcOutput(await authenticatorRpc(server, transport, "GetLoginDeviceChallenge", {}, auth(subject.identified))).publicKey as { challenge: string }).challenge;
    },
    async finish(subject, assertion, transport) {
      if (transport === "rest") return restOutcome(await api(server, "POST", "/login/verify-device", { body: assertion, headers: auth(subject.identified!) }));
      return rpcOutcome(await authenticatorRpc(server, transport, "VerifyLoginDevice", asMessage(assertion), auth(subject.identified!)));
    },
    async foreign(subject) {
      // A passkey of the same user, so that Hanko issues a login challenge bound to them.
      await registerPasskey(subject.account!);
      return [
        ["Hanko's login for the same user (another product)", await hankoFor(subject.userId)],
        ["Hanko's discoverable login", await hankoDiscoverable()],
        ["AuthFi's discoverable login (another tenant)", await authfiLoginChallenge(server)],
      ];
    },
    refusal: (_kind, transport) => (transport === "rest" ? { status: 401, json: { error: { code: "webauthn" } } } : { code: Code.Unauthenticated, reason: "WEBAUTHN_LOGIN_FAILED" }),
  },
};

/** Each abuse case, run against every use over every transport. */
const cases: Array<[string, (use: Use, transport: Transport) => Promise<void>]> = [
  // Replay: an answered challenge must not be answered again, even while a new ceremony is under way.
  ["refuses a challenge answered once already", async (use, transport) => {
    const subject = await use.enrol();
    const challenge = await use.challenge(subject, transport);
    expect(await use.finish(subject, authenticator.get(subject.credential, challenge), transport)).toMatchObject({ ok: true });
    await use.challenge(subject, transport);
    expect(await use.finish(subject, authenticator.get(subject.credential, challenge), transport)).toMatchObject({ ok: false, answer: use.refusal("replayed", transport) });
  }],
  // A challenge left lying around (a log, a stalled tab) must not pass after its ceremony's time.
  ["refuses an expired challenge", async (use, transport) => {
    const subject = await use.enrol();
    const challenge = await use.challenge(subject, transport);
    await server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", challenge).execute();
    expect(await use.finish(subject, authenticator.get(subject.credential, challenge), transport)).toMatchObject({ ok: false, answer: use.refusal("expired", transport) });
  }],
  // Challenge substitution: a challenge another product, tenant or step issued answers nothing here.
  ["refuses challenges issued by another product, tenant or purpose", async (use, transport) => {
    const subject = await use.enrol();
    const foreign = await use.foreign(subject);
    expect(foreign.length).toBeGreaterThan(1);
    for (const [label, challenge] of foreign) {
      await use.challenge(subject, transport);
      expect(await use.finish(subject, authenticator.get(subject.credential, challenge), transport), label).toMatchObject({ ok: false, answer: use.refusal("foreign", transport) });
    }
  }],
  // A challenge issued for another user's login does not answer for this credential.
  ["refuses a challenge issued for another user", async (use, transport) => {
    const subject = await use.enrol();
    const stranger = await use.enrol();
    const challenge = await use.challenge(stranger, transport);
    if (subject.account !== undefined) subject.identified = await logIn(server, sinks, subject.account);
    expect(await use.finish(subject, authenticator.get(subject.credential, challenge), transport)).toMatchObject({ ok: false, answer: use.refusal("another_user", transport) });
  }],
  // A cloned authenticator replays an old sign count (WebAuthn level 3 §6.1.1).
  ["refuses a sign count that did not grow", async (use, transport) => {
    const subject = await use.enrol();
    expect(await use.finish(subject, authenticator.get(subject.credential, await use.challenge(subject, transport), { counter: 5 }), transport)).toMatchObject({ ok: true });
    for (const counter of [5, 3]) {
      expect(await use.finish(subject, authenticator.get(subject.credential, await use.challenge(subject, transport), { counter }), transport)).toMatchObject({ ok: false, answer: use.refusal("counter", transport) });
    }
    expect(await use.finish(subject, authenticator.get(subject.credential, await use.challenge(subject, transport), { counter: 6 }), transport)).toMatchObject({ ok: true });
  }],
  // Enumeration: a credential nobody registered and another user's get the very same answer.
  ["answers an unknown credential exactly as another user's", async (use, transport) => {
    const subject = await use.enrol();
    const stranger = await use.enrol();
    const unknown = authenticator.newCredential().credential;
    const answers: Outcome[] = [];
    for (const credential of [unknown, stranger.credential]) answers.push(await use.finish(subject, authenticator.get(credential, await use.challenge(subject, transport)), transport));
    expect(answers[0]).toMatchObject({ ok: false, answer: use.refusal("unknown", transport) });
    expect(answers[1]).toEqual(answers[0]);
  }],
  // Phishing: a look-alike site relays our challenge to the user's authenticator.
  ["refuses an assertion made for another origin", async (use, transport) => {
    const subject = await use.enrol();
    const assertion = authenticator.get(subject.credential, await use.challenge(subject, transport), { origin: "https://rp.example.com.evil.example" });
    expect(await use.finish(subject, assertion, transport)).toMatchObject({ ok: false, answer: use.refusal("origin", transport) });
  }],
  // An assertion scoped to another relying party (its rpIdHash) is no login here.
  ["refuses an assertion scoped to another RP id", async (use, transport) => {
    const subject = await use.enrol();
    const assertion = new SoftwareAuthenticator(authenticator.origin, "evil.example").get(subject.credential, await use.challenge(subject, transport));
    expect(await use.finish(subject, assertion, transport)).toMatchObject({ ok: false, answer: use.refusal("rp_id", transport) });
  }],
  // Racing one assertion: the challenge is used up in one statement, so at most one passes.
  ["lets one of five concurrent finishes of one assertion pass", async (use, transport) => {
    const subject = await use.enrol();
    const assertion = authenticator.get(subject.credential, await use.challenge(subject, transport));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => use.finish(subject, assertion, transport)));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
  }],
];

describe.each(Object.keys(uses))("WebAuthn abuse cases for %s", (product) => {
  const use = uses[product]!;
  describe.each(transports)("over %s", (transport) => {
    it.each(cases)("%s", async (_name, abuse) => {
      await abuse(use, transport);
    });
  });
});
