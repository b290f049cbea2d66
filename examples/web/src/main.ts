import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import type { JsonValue } from "@bufbuild/protobuf";
import { createAuthenticatorApi, tokenClaims, type HeldToken } from "./authenticator-api.js";
import { ConnectError, Code } from "@tessera/client";
import { hanko, type HankoCredential } from "./hanko-api.js";
import { sentenceOf } from "./messages.js";

/** The element with this id (the page is ours: a missing one is a bug in index.html). */
function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const errorBox = element<HTMLParagraphElement>("error");
const status = element<HTMLParagraphElement>("status");

function showError(error: unknown): void {
  errorBox.textContent = sentenceOf(error);
  errorBox.hidden = false;
}

/** Runs a click or submit handler: its button is disabled meanwhile, and a failure is shown in words. */
function action(target: HTMLElement, event: "click" | "submit", run: () => Promise<void>): void {
  target.addEventListener(event, (e) => {
    e.preventDefault();
    errorBox.hidden = true;
    const buttons = target instanceof HTMLFormElement ? Array.from(target.querySelectorAll("button")) : [target as HTMLButtonElement];
    for (const button of buttons) button.disabled = true;
    run()
      .catch(showError)
      .finally(() => {
        for (const button of buttons) button.disabled = false;
      });
  });
}

// ---- Hanko: passcode, passkeys, session -------------------------------------------------------

let passcodeId: string | undefined;

async function userIdOf(email: string): Promise<string> {
  try {
    return (await hanko.findUser(email)).id;
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.NotFound) return (await hanko.createUser(email)).userId;
    throw error;
  }
}

async function showSession(): Promise<void> {
  let userId: string;
  try {
    userId = (await hanko.me()).id;
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) return showSignedOut();
    throw error;
  }
  const [user, credentials] = await Promise.all([hanko.user(userId), hanko.credentials()]);
  element("session-user").textContent = user.id;
  element("session-email").textContent = user.email;
  status.textContent = `Signed in as ${user.email}`;
  status.classList.add("signed-in");
  element("session").hidden = false;
  element("signin").hidden = true;
  renderPasskeys(credentials);
}

function showSignedOut(): void {
  status.textContent = "Signed out";
  status.classList.remove("signed-in");
  element("session").hidden = true;
  element("signin").hidden = false;
  element("passcode-form").hidden = true;
}

function renderPasskeys(credentials: HankoCredential[]): void {
  const list = element<HTMLUListElement>("passkeys");
  list.replaceChildren();
  if (credentials.length === 0) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "No passkey yet";
    list.append(empty);
    return;
  }
  for (const credential of credentials) {
    const item = document.createElement("li");
    item.dataset.testid = "passkey";
    const name = document.createElement("input");
    name.value = credential.name ?? "";
    name.placeholder = "Unnamed passkey";
    name.setAttribute("aria-label", "Passkey name");
    const created = document.createElement("small");
    created.textContent = `added ${new Date(credential.createdAt).toLocaleDateString()}`;
    const rename = document.createElement("button");
    rename.textContent = "Rename";
    const remove = document.createElement("button");
    remove.textContent = "Delete";
    remove.className = "danger";
    action(rename, "click", async () => {
      await hanko.renameCredential(credential.id, name.value);
      await showSession();
    });
    action(remove, "click", async () => {
      await hanko.deleteCredential(credential.id);
      await showSession();
    });
    item.append(name, created, rename, remove);
    list.append(item);
  }
}

const emailInput = element<HTMLInputElement>("email");

action(element("email-form"), "submit", async () => {
  const userId = await userIdOf(emailInput.value.trim());
  passcodeId = (await hanko.startPasscode(userId)).id;
  element("passcode-form").hidden = false;
  element<HTMLInputElement>("passcode").focus();
});

action(element("passcode-form"), "submit", async () => {
  if (passcodeId === undefined) throw new Error("Ask for a passcode first.");
  await hanko.finishPasscode(passcodeId, element<HTMLInputElement>("passcode").value.trim());
  passcodeId = undefined;
  element<HTMLInputElement>("passcode").value = "";
  await showSession();
});

async function passkeyLogin(userId?: string): Promise<void> {
  const options = await hanko.startLogin(userId);
  const assertion = await startAuthentication({ optionsJSON: options as unknown as Parameters<typeof startAuthentication>[0]["optionsJSON"] });
  await hanko.finishLogin(assertion);
  await showSession();
}

action(element("passkey-login"), "click", () => passkeyLogin());
action(element("passkey-login-email"), "click", async () => {
  const email = emailInput.value.trim();
  if (email === "") throw new Error("Type your email address first.");
  await passkeyLogin((await hanko.findUser(email)).id);
});

action(element("add-passkey"), "click", async () => {
  const options = await hanko.startRegistration();
  const credential = await startRegistration({ optionsJSON: options as unknown as Parameters<typeof startRegistration>[0]["optionsJSON"] });
  await hanko.finishRegistration(credential);
  await showSession();
});

action(element("logout"), "click", async () => {
  await hanko.logout();
  showSignedOut();
});

// ---- Authenticator API over Connect -----------------------------------------------------------

let held: HeldToken | undefined;
const authenticator = createAuthenticatorApi(() => held);
const authEmail = element<HTMLInputElement>("auth-email");
const authPassword = element<HTMLInputElement>("auth-password");
let codeStep: "signup" | "login" = "signup";

function hold(token: HeldToken | undefined): void {
  held = token;
  const state = token === undefined ? undefined : tokenClaims(token.token).state;
  const stateLine = element("auth-state");
  stateLine.textContent = state === undefined ? "No token" : `Token state: ${state}`;
  stateLine.classList.toggle("authorized", state === "authorized");
  element("auth-add-device").hidden = state !== "authorized";
  element("auth-device-login").hidden = !(state === "identified" && codeStep === "login");
  element("auth-code-form").hidden = !(state === "unverified" || (state === "identified" && codeStep === "login"));
}

action(element("auth-form"), "submit", async () => {
  codeStep = "signup";
  hold(await authenticator.signUp(authEmail.value.trim(), authPassword.value));
});

action(element("auth-login"), "click", async () => {
  codeStep = "login";
  hold(await authenticator.logIn(authEmail.value.trim(), authPassword.value));
});

action(element("auth-code-form"), "submit", async () => {
  const code = element<HTMLInputElement>("auth-code").value.trim();
  hold(codeStep === "signup" ? await authenticator.verifySignUp(code) : await authenticator.verifyLoginCode(code));
  element<HTMLInputElement>("auth-code").value = "";
});

action(element("auth-add-device"), "click", async () => {
  const options = await authenticator.deviceOptions();
  const credential = await startRegistration({ optionsJSON: options as unknown as Parameters<typeof startRegistration>[0]["optionsJSON"] });
  await authenticator.verifyDevice(credential as unknown as JsonValue);
  element("auth-state").textContent = "Token state: authorized · device added";
});

action(element("auth-device-login"), "click", async () => {
  const options = await authenticator.loginDeviceOptions();
  const assertion = await startAuthentication({ optionsJSON: options as unknown as Parameters<typeof startAuthentication>[0]["optionsJSON"] });
  hold(await authenticator.verifyLoginDevice(assertion as unknown as JsonValue));
});

showSession().catch(showError);
