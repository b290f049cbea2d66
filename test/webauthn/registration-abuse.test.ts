import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { rest } from "../harness/rest.js";
import { useAbuseServer } from "./abuse-server.js";
import { authenticatorRpc, authfiRefused, restOutcome, rpcOutcome, rpcOutput, transports, webauthnRpc, type Outcome, type Transport } from "./outcome.js";
import type { TestServer } from "../harness/server.js";
import type { SoftwareCredential } from "../harness/software-authenticator.js";
import { accessPoint, apiKey, authenticator, authfi, loginChallenge as authfiLoginChallenge, newName } from "../authfi/authfi-client.js";
import { api, auth, signUpVerified, type Account, type Sinks } from "../authenticator/authenticator-client.js";
import { asMessage } from "../authenticator/rpc-client.js";
import { hankoSession, registerPasskey, type CreationOptions } from "./ceremonies.js";

// One table of abuse cases for the WebAuthn registration ceremony, run against every product's
// use of it (Hanko's passkeys, AuthFi's keys, the Authenticator API's devices) over REST, gRPC,
// Connect JSON and binary, and gRPC-Web. A registration binds a public key to an account: a
// replayed, stale, foreign or phished attestation would give an attacker a key to someone's
// account, and a credential id registered twice would let one user's key answer for another.

let server: TestServer;
let sinks: Sinks;
useAbuseServer((running) => ({ server, sinks } = running));

type Attestation = ReturnType<typeof authenticator.create>["response"];


/** Someone who may register a credential: a signed-in user (Hanko, Authenticator API) or an account name (AuthFi). */
interface Subject {
  account?: Account;
  /** Hanko's session header. */
  session?: Record<string, string>;
  /** AuthFi's account name. */
  name?: string;
}

/** The refusals a case expects of a product. */
type Refusal = "replayed" | "expired" | "foreign" | "another_user" | "origin" | "rp_id" | "exists";

/** One product's use of the registration ceremony, over a transport. */
interface Use {
  subject(): Promise<Subject>;
  /** Creation options for the subject: the challenge. */
  begin(subject: Subject, transport: Transport): Promise<CreationOptions>;
  finish(subject: Subject, response: Attestation, transport: Transport): Promise<Outcome>;
  /** Creation or request options other users, products, tenants and steps issued. */
  foreign(subject: Subject): Promise<Array<[string, CreationOptions]>>;
  refusal(kind: Refusal, transport: Transport): unknown;
}


const hankoSubject = async (): Promise<Subject> => {
  const account = await signUpVerified(server, sinks);
  return { account, session: await hankoSession(server, sinks, account) };
};
const hankoOptions = async (session: Record<string, string>) => ((await rest(server.url, "POST", "/webauthn/registration/initialize", { headers: session })).json as { publicKey: CreationOptions }).publicKey;
const deviceOptions = async (account: Account) => ((await api(server, "POST", "/device", { headers: auth(account) })).json as { publicKey: CreationOptions }).publicKey;
const authfiParams = (name: string) => ({ user: { name, displayName: name }, authenticatorSelection: { requireResidentKey: true, userVerification: "required" }, attestation: "none" });
const authfiOptions = async (name: string) => ((await authfi(server, "POST", "/webauthn/registration", { params: authfiParams(name) })).json as { fido_register_request: CreationOptions }).fido_register_request;
/** Request options carry no user: a registration answering one gets a user handle of its own. */
const asCreation = (challenge: string): CreationOptions => ({ challenge, user: { id: Buffer.from("nobody").toString("base64url") } });
const hankoLogin = async (userId: string) => asCreation(((await rest(server.url, "POST", "/webauthn/login/initialize", { body: { user_id: userId } })).json as { publicKey: { challenge: string } }).publicKey.challenge);

const uses: Record<string, Use> = {
  hanko: {
    subject: hankoSubject,
    async begin(subject, transport) {
      if (transport === "rest") return hankoOptions(subject.session!);
      return rpcOutput(await webauthnRpc(server, transport, "InitializeRegistration", {}, subject.session)).publicKey as CreationOptions;
    },
    async finish(subject, response, transport) {
      if (transport === "rest") return restOutcome(await rest(server.url, "POST", "/webauthn/registration/finalize", { body: response, headers: subject.session! }));
      return rpcOutcome(await webauthnRpc(server, transport, "FinalizeRegistration", asMessage(response), subject.session));
    },
    async foreign(subject) {
      await registerPasskey(server, sinks, subject.account!);
      return [
        ["another user's passkey registration", await hankoOptions((await hankoSubject()).session!)],
        ["the same user's device registration (another product)", await deviceOptions(subject.account!)],
        ["the same user's passkey login (another ceremony)", await hankoLogin(subject.account!.userId)],
        ["AuthFi's key registration (another tenant)", await authfiOptions(newName())],
      ];
    },
    refusal(kind, transport) {
      if (kind === "exists") return transport === "rest" ? { status: 409, json: { code: 409 } } : { code: Code.AlreadyExists, reason: "CREDENTIAL_EXISTS" };
      return transport === "rest" ? { status: 400, json: { code: 400 } } : { code: Code.InvalidArgument, reason: "WEBAUTHN_REGISTRATION_FAILED" };
    },
  },

  authfi: {
    subject: async () => ({ name: newName() }),
    async begin(subject, transport) {
      if (transport === "rest") return authfiOptions(subject.name!);
      return rpcOutput(await webauthnRpc(server, transport, "AuthfiBeginRegistration", { accessPoint, params: authfiParams(subject.name!) }, { "at-x-key": apiKey })).fido_register_request as CreationOptions;
    },
    async finish(_subject, response, transport) {
      if (transport === "rest") return restOutcome(await authfi(server, "PUT", "/webauthn/registration", { fido_register_response: response }));
      return rpcOutcome(await webauthnRpc(server, transport, "AuthfiFinishRegistration", { accessPoint, fidoRegisterResponse: asMessage(response) }, { "at-x-key": apiKey }));
    },
    async foreign() {
      const hanko = await hankoSubject();
      return [
        ["AuthFi's discoverable login (another ceremony)", asCreation(await authfiLoginChallenge(server))],
        ["Hanko's passkey registration (another tenant)", await hankoOptions(hanko.session!)],
        ["the Authenticator API's device registration (another tenant)", await deviceOptions(hanko.account!)],
      ];
    },
    refusal(kind, transport) {
      const reasons = {
        replayed: "AUTHFI_CLIENT_DATA_INVALID",
        foreign: "AUTHFI_CLIENT_DATA_INVALID",
        another_user: "AUTHFI_CLIENT_DATA_INVALID",
        origin: "AUTHFI_CLIENT_DATA_INVALID",
        rp_id: "AUTHFI_AUTHENTICATOR_DATA_INVALID",
        expired: "AUTHFI_CEREMONY_TIMEOUT",
        exists: "AUTHFI_KEY_EXISTS",
      } as const;
      return authfiRefused(reasons[kind], transport);
    },
  },

  authenticator: {
    subject: async () => ({ account: await signUpVerified(server, sinks) }),
    async begin(subject, transport) {
      if (transport === "rest") return deviceOptions(subject.account!);
      return rpcOutput(await authenticatorRpc(server, transport, "CreateDevice", {}, auth(subject.account!))).publicKey as CreationOptions;
    },
    async finish(subject, response, transport) {
      if (transport === "rest") return restOutcome(await api(server, "POST", "/device/verify", { body: response, headers: auth(subject.account!) }));
      return rpcOutcome(await authenticatorRpc(server, transport, "VerifyDevice", asMessage(response), auth(subject.account!)));
    },
    async foreign(subject) {
      await registerPasskey(server, sinks, subject.account!);
      return [
        ["another user's device registration", await deviceOptions((await signUpVerified(server, sinks)))],
        ["the same user's passkey registration (another product)", await hankoOptions(await hankoSession(server, sinks, subject.account!))],
        ["the same user's passkey login (another ceremony)", await hankoLogin(subject.account!.userId)],
        ["AuthFi's key registration (another tenant)", await authfiOptions(newName())],
      ];
    },
    refusal(kind, transport) {
      if (kind === "exists") return transport === "rest" ? { status: 409, json: { error: { code: "credential_exists" } } } : { code: Code.AlreadyExists, reason: "CREDENTIAL_EXISTS" };
      return transport === "rest" ? { status: 400, json: { error: { code: "webauthn" } } } : { code: Code.InvalidArgument, reason: "WEBAUTHN_REGISTRATION_FAILED" };
    },
  },
};

/** How many credentials of this id the tenants hold. */
const stored = async (credential: SoftwareCredential) =>
  (await server.app.database.db.selectFrom("webauthn_credentials").select("id").where("credential_id", "=", credential.id).execute()).length;

/** Each abuse case, run against every use over every transport. */
const cases: Array<[string, (use: Use, transport: Transport) => Promise<void>]> = [
  // Replay: an attestation answered once must not register again, even while a new ceremony is under way.
  ["refuses an attestation answered once already", async (use, transport) => {
    const subject = await use.subject();
    const { credential, response } = authenticator.create(await use.begin(subject, transport));
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: true });
    await use.begin(subject, transport);
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: false, answer: use.refusal("replayed", transport) });
    expect(await stored(credential)).toBe(1);
  }],
  // A challenge left lying around must not register a key after its ceremony's time.
  ["refuses an expired challenge", async (use, transport) => {
    const subject = await use.subject();
    const options = await use.begin(subject, transport);
    await server.app.database.db.updateTable("webauthn_challenges").set({ expires_at: new Date(Date.now() - 1000) }).where("challenge", "=", options.challenge).execute();
    const { credential, response } = authenticator.create(options);
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: false, answer: use.refusal("expired", transport) });
    expect(await stored(credential)).toBe(0);
  }],
  // Challenge substitution: options another user, product, tenant or ceremony was issued register nothing here.
  ["refuses challenges issued to another user, product, tenant or ceremony", async (use, transport) => {
    const subject = await use.subject();
    const foreign = await use.foreign(subject);
    expect(foreign.length).toBeGreaterThan(1);
    for (const [label, options] of foreign) {
      await use.begin(subject, transport);
      const { credential, response } = authenticator.create(options);
      expect(await use.finish(subject, response, transport), label).toMatchObject({ ok: false, answer: use.refusal("foreign", transport) });
      expect(await stored(credential), label).toBe(0);
    }
  }],
  // Phishing: an attestation made for another web origin (a look-alike site relaying our challenge).
  ["refuses an attestation made for another origin", async (use, transport) => {
    const subject = await use.subject();
    const { credential, response } = authenticator.create(await use.begin(subject, transport), "none", { origin: "https://rp.example.com.evil.example" });
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: false, answer: use.refusal("origin", transport) });
    expect(await stored(credential)).toBe(0);
  }],
  // A key scoped to another relying party (its rpIdHash) must not be accepted as ours.
  ["refuses an attestation scoped to another RP id", async (use, transport) => {
    const subject = await use.subject();
    const { credential, response } = authenticator.create(await use.begin(subject, transport), "none", { rpId: "evil.example" });
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: false, answer: use.refusal("rp_id", transport) });
    expect(await stored(credential)).toBe(0);
  }],
  // A credential id registered to one user, registered again by another: their logins would answer for each other.
  ["refuses a credential id already registered to another user", async (use, transport) => {
    const owner = await use.subject();
    const first = authenticator.create(await use.begin(owner, transport));
    expect(await use.finish(owner, first.response, transport)).toMatchObject({ ok: true });
    const thief = await use.subject();
    const again = authenticator.create(await use.begin(thief, transport), "none", { reuse: first.credential });
    expect(await use.finish(thief, again.response, transport)).toMatchObject({ ok: false, answer: use.refusal("exists", transport) });
    expect(await stored(first.credential)).toBe(1);
  }],
  // Racing one attestation: the challenge is used up in one statement, so exactly one registers.
  ["lets exactly one of five concurrent finishes of one attestation register", async (use, transport) => {
    const subject = await use.subject();
    const { credential, response } = authenticator.create(await use.begin(subject, transport));
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => use.finish(subject, response, transport)));
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(await stored(credential)).toBe(1);
  }],
];

/** Hanko's and the Authenticator API's registrations are bound to the signed-in user; AuthFi's name theirs in the options (no user finishes them). */
const anotherUserCase: [string, (use: Use, transport: Transport) => Promise<void>] =
  // A challenge issued for another user's registration must not add a key to this user.
  ["refuses a challenge issued for another user", async (use, transport) => {
    const subject = await use.subject();
    const stranger = await use.subject();
    const { credential, response } = authenticator.create(await use.begin(stranger, transport));
    expect(await use.finish(subject, response, transport)).toMatchObject({ ok: false, answer: use.refusal("another_user", transport) });
    expect(await stored(credential)).toBe(0);
  }];

describe.each(Object.keys(uses))("WebAuthn registration abuse cases for %s", (product) => {
  const use = uses[product]!;
  const table = product === "authfi" ? cases : [...cases, anotherUserCase];
  describe.each(transports)("over %s", (transport) => {
    it.each(table)("%s", async (_name, abuse) => {
      await abuse(use, transport);
    });
  });
});
