import { describe, expect, it } from "vitest";
import { knownTransports } from "./transports.js";

describe("knownTransports", () => {
  it("keeps WebAuthn's transports once each and drops anything else", () => {
    expect(knownTransports(["usb", "nfc", "usb", "<script>", "x".repeat(500), "hybrid"])).toEqual(["usb", "nfc", "hybrid"]);
    expect(knownTransports(undefined)).toEqual([]);
    expect(knownTransports(["internal", "ble", "cable", "smart-card", "usb", "nfc", "hybrid", "usb"])).toHaveLength(7);
  });
});
