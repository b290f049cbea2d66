import { randomBytes, randomUUID } from "node:crypto";
import { authenticator as totp } from "otplib";
import { beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../core/clock.js";
import { createSecretBox } from "../../core/keys/secret-box.js";
import { createLimiter } from "../../core/limit/limit.service.js";
import { memoryLimitStore } from "../../../test/fakes/memory-limit-store.js";
import type { RunInTransaction } from "../../core/transaction.port.js";
import { memoryIdentityStore } from "../../../test/fakes/memory-identity-store.js";
import { memoryTransactions, type MemoryTx } from "../../../test/fakes/memory-transactions.js";
import type { AuthenticatedToken } from "./access-token.service.js";
import type { FactorSettings } from "./authenticator.port.js";
import { createUserSettingsService, maxTotpConfirmations, totpOfferLifetimeMs, type UserSettingsService, type UserUpdate } from "./user-settings.service.js";

// TOTP enrolment and factor toggles over an in-memory fake of the Authenticator port, with a
// clock the tests move: the offer's expiry and the confirmation count without a database or sleeping.

/** The fake's one table, written in units of work of test/fakes/memory-transactions.ts. */
type Settings = Map<string, FactorSettings>;
type Tx = MemoryTx<Settings>;

const defaults = (userId: string): FactorSettings => ({ userId, isCodeAllowed: true, isTotpAllowed: false, isDeviceAllowed: false, totp: { sealedSecret: null, lastUsedStep: null, offerExpiresAt: null } });

function memoryStore() {
  const database = memoryTransactions<Settings>(new Map());
  const transaction: RunInTransaction<Tx> = (work) => database.run(work);
  const unused = (): never => {
    throw new Error("the fake ceremony reads no credential store");
  };
  const store = {
    async savePasswordHash() {},
    async revokeOtherTokens() {},
    async findSettings(userId: string) {
      return structuredClone(database.committed.get(userId) ?? defaults(userId));
    },
    async lockSettings(tx: Tx, userId: string) {
      if (!tx.tables.has(userId)) tx.tables.set(userId, defaults(userId));
      return structuredClone(tx.tables.get(userId)!);
    },
    async saveSettings(tx: Tx, userId: string, toggles: Pick<FactorSettings, "isCodeAllowed" | "isTotpAllowed" | "isDeviceAllowed">, state?: FactorSettings["totp"]) {
      const before = tx.tables.get(userId) ?? defaults(userId);
      tx.tables.set(userId, { ...before, ...toggles, totp: state === undefined ? before.totp : { ...state } });
    },
    credentialsIn: () => ({ list: unused, find: unused, insert: unused, rename: unused, remove: unused, recordSignCount: unused }),
  };
  return {
    store,
    transaction,
    /** The user's settings as committed now. */
    settingsOf: (userId: string) => database.committed.get(userId),
  };
}


let at: Date;
const clock: Clock = { now: () => at };
let fake: ReturnType<typeof memoryStore>;
let devices: number;
let service: UserSettingsService;
let token: AuthenticatedToken;

const codeAt = (secret: string, when: Date) => totp.clone({ epoch: when.getTime() }).generate(secret);
const otherThan = (code: string) => (code === "000000" ? "111111" : "000000");
const update = (fields: Partial<UserUpdate>) =>
  service.update(token, { userId: token.userId, password: "", currentPassword: "", isCodeAllowed: undefined, isTotpAllowed: undefined, isDeviceAllowed: undefined, totpCode: "", ...fields });

/** Asks for a TOTP secret; answers it (base32). */
async function offer(): Promise<string> {
  const factors = await update({ isTotpAllowed: true });
  expect(factors.isTotpAllowed).toBe(false);
  return factors.totp!.secret;
}

beforeEach(() => {
  at = new Date("2026-12-01T00:00:10Z");
  fake = memoryStore();
  devices = 0;
  const ceremony = { list: async () => Array.from({ length: devices }, () => ({}) as never) };
  token = { tokenId: randomUUID(), userId: randomUUID(), state: "authorized", clientId: "client", expiresAt: new Date(at.getTime() + 3_600_000) };
  const identities = memoryIdentityStore<Tx>([{ id: randomUUID(), userId: token.userId, address: "ada@example.com", verified: true, primary: true }]);
  service = createUserSettingsService({ store: fake.store, identities, transaction: fake.transaction, tenantId: "tenant", secrets: createSecretBox(randomBytes(32)), issuer: "Tessera", ceremony, limits: createLimiter({ store: memoryLimitStore(), tenantId: "tenant", secrets: createSecretBox(randomBytes(32)), clock }), passwordCheck: { check: async () => "no_password", refreshDecoys: () => {} }, clock });
});

describe("TOTP enrolment", () => {
  it("offers a sealed secret for ten minutes, labelled with the user's contact, without enabling TOTP", async () => {
    const factors = await update({ isTotpAllowed: true });
    expect(factors.totp!.uri).toContain("otpauth://totp/Tessera:ada@example.com?secret=");
    const stored = fake.settingsOf(token.userId)!;
    expect(stored.isTotpAllowed).toBe(false);
    expect(stored.totp.offerExpiresAt).toEqual(new Date(at.getTime() + totpOfferLifetimeMs));
    expect(Buffer.from(stored.totp.sealedSecret!).toString("utf8")).not.toContain(factors.totp!.secret);
  });

  it("confirms the offer with the current code and records its step: TOTP is enabled", async () => {
    const secret = await offer();
    at = new Date(at.getTime() + 60_000);
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(secret, at) })).resolves.toMatchObject({ isTotpAllowed: true, totp: undefined });
    expect(fake.settingsOf(token.userId)!).toMatchObject({ isTotpAllowed: true, totp: { lastUsedStep: Math.floor(at.getTime() / 30_000), offerExpiresAt: null } });
  });

  it("refuses a wrong confirmation code and changes nothing else (the transaction rolled back)", async () => {
    const secret = await offer();
    const before = fake.settingsOf(token.userId)!.totp;
    await expect(update({ isTotpAllowed: true, isCodeAllowed: false, totpCode: otherThan(codeAt(secret, at)) })).rejects.toMatchObject({ reason: "INVALID_CODE", message: "The TOTP code is invalid" });
    expect(fake.settingsOf(token.userId)!).toMatchObject({ isCodeAllowed: true, isTotpAllowed: false, totp: { offerExpiresAt: before.offerExpiresAt, lastUsedStep: null } });
    expect(Buffer.from(fake.settingsOf(token.userId)!.totp.sealedSecret!).equals(Buffer.from(before.sealedSecret!))).toBe(true);
  });

  // Each wrong confirmation is a hit of the offer's limit that is kept although the transaction
  // rolled back: were one not counted, the right code would still confirm the offer here.
  it("counts every wrong confirmation code: after the fifth the right one no longer confirms the offer", async () => {
    const secret = await offer();
    for (let i = 0; i < maxTotpConfirmations; i++) await expect(update({ isTotpAllowed: true, totpCode: otherThan(codeAt(secret, at)) })).rejects.toMatchObject({ reason: "INVALID_CODE", message: "The TOTP code is invalid" });
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(secret, at) })).rejects.toMatchObject({ reason: "INVALID_CODE", kind: "unauthenticated", message: "No TOTP secret is waiting for confirmation: ask for a new one" });
    expect(fake.settingsOf(token.userId)!.isTotpAllowed).toBe(false);
    // A new offer has confirmations of its own.
    const fresh = await offer();
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(fresh, at) })).resolves.toMatchObject({ isTotpAllowed: true });
  });

  it("confirms with the right code after fewer wrong ones than the cap", async () => {
    const secret = await offer();
    for (let i = 0; i < maxTotpConfirmations - 1; i++) await expect(update({ isTotpAllowed: true, totpCode: otherThan(codeAt(secret, at)) })).rejects.toMatchObject({ reason: "INVALID_CODE" });
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(secret, at) })).resolves.toMatchObject({ isTotpAllowed: true });
  });

  it("takes the right code a moment before the offer's ten minutes are up, not at them", async () => {
    const secret = await offer();
    const offeredAt = at;
    at = new Date(offeredAt.getTime() + totpOfferLifetimeMs);
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(secret, at) })).rejects.toMatchObject({ reason: "INVALID_CODE" });
    at = new Date(offeredAt.getTime() + totpOfferLifetimeMs - 1);
    await expect(update({ isTotpAllowed: true, totpCode: codeAt(secret, at) })).resolves.toMatchObject({ isTotpAllowed: true });
  });

  it("refuses a confirmation code when no secret was offered", async () => {
    await expect(update({ isTotpAllowed: true, totpCode: "123456" })).rejects.toMatchObject({ reason: "INVALID_CODE" });
    expect(fake.settingsOf(token.userId)).toBeUndefined();
  });
});

describe("factor toggles", () => {
  it("writes a toggle without writing back the TOTP step read in the transaction", async () => {
    const secret = await offer();
    await update({ isTotpAllowed: true, totpCode: codeAt(secret, at) });
    const step = fake.settingsOf(token.userId)!.totp.lastUsedStep;
    await expect(update({ isCodeAllowed: false })).resolves.toMatchObject({ isCodeAllowed: false, isTotpAllowed: true });
    expect(fake.settingsOf(token.userId)!.totp).toMatchObject({ lastUsedStep: step, sealedSecret: expect.any(Uint8Array) });
  });

  it("refuses devices as the only factor without a device, and allows it with one", async () => {
    await expect(update({ isCodeAllowed: false, isDeviceAllowed: true })).rejects.toMatchObject({ reason: "INVALID_FIELD" });
    expect(fake.settingsOf(token.userId)).toBeUndefined();
    devices = 1;
    await expect(update({ isCodeAllowed: false, isDeviceAllowed: true })).resolves.toMatchObject({ isCodeAllowed: false, isTotpAllowed: false, isDeviceAllowed: true });
  });

  it("refuses turning every factor off", async () => {
    await expect(update({ isCodeAllowed: false })).rejects.toMatchObject({ reason: "INVALID_FIELD" });
    expect(fake.settingsOf(token.userId)).toBeUndefined();
  });

  it("refuses another user's id as NOT_OWN_USER", async () => {
    await expect(service.update(token, { userId: randomUUID(), password: "", currentPassword: "", isCodeAllowed: true, isTotpAllowed: undefined, isDeviceAllowed: undefined, totpCode: "" })).rejects.toMatchObject({ reason: "NOT_OWN_USER" });
  });
});
