import type { CDPSession, Page } from "playwright-core";

/** A credential as the DevTools WebAuthn domain reports and installs it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8 private key, base64. */
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

/** What an authenticator is: the defaults are a platform passkey provider (CTAP2, internal, resident keys, UV). */
export interface VirtualAuthenticatorOptions {
  protocol?: "ctap2" | "u2f";
  transport?: "internal" | "usb" | "nfc" | "ble";
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
}

/** A DevTools virtual authenticator attached to one page, answering navigator.credentials without a prompt. */
export interface VirtualAuthenticator {
  readonly authenticatorId: string;
  credentials(): Promise<VirtualCredential[]>;
  addCredential(credential: VirtualCredential): Promise<void>;
  removeCredential(credentialId: string): Promise<void>;
  clearCredentials(): Promise<void>;
  /** Whether the next ceremonies see the user verified (a failed fingerprint when false). */
  setUserVerified(verified: boolean): Promise<void>;
  remove(): Promise<void>;
}

/** Enables the WebAuthn domain on `page` and adds an authenticator (Chrome DevTools Protocol, WebAuthn domain). */
export async function addVirtualAuthenticator(page: Page, options: VirtualAuthenticatorOptions = {}): Promise<VirtualAuthenticator> {
  const session: CDPSession = await page.context().newCDPSession(page);
  await session.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await session.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: options.protocol ?? "ctap2",
      ctap2Version: "ctap2_1",
      transport: options.transport ?? "internal",
      hasResidentKey: options.hasResidentKey ?? true,
      hasUserVerification: options.hasUserVerification ?? true,
      isUserVerified: options.isUserVerified ?? true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    authenticatorId,
    async credentials() {
      const { credentials } = await session.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials as VirtualCredential[];
    },
    async addCredential(credential) {
      await session.send("WebAuthn.addCredential", { authenticatorId, credential });
    },
    async removeCredential(credentialId) {
      await session.send("WebAuthn.removeCredential", { authenticatorId, credentialId });
    },
    async clearCredentials() {
      await session.send("WebAuthn.clearCredentials", { authenticatorId });
    },
    async setUserVerified(isUserVerified) {
      await session.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified });
    },
    async remove() {
      await session.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
      await session.detach();
    },
  };
}
