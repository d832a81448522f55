import { describe, expect, it } from "vitest";
import { loadKeyring, openBytes, openSecret, sealBytes, sealSecret, UnreadableSealError } from "../../src/lib/secret-box";
import { generateWebhookSecret } from "../../src/lib/webhook-signing";
import { keyIdOf, legacySealBytes, legacySealText, randomKey } from "../helpers/at-rest-keys";

const AAD = "webhook_endpoints:whe_1";

async function expectUnreadable(p: Promise<unknown>, reason: "unknown-key" | "corrupt", keyId: string | null): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnreadableSealError);
  expect((err as UnreadableSealError).reason).toBe(reason);
  expect((err as UnreadableSealError).keyId).toBe(keyId);
}

describe("secret box: AES-GCM at rest under per-purpose HKDF subkeys", () => {
  it("round-trips; the value names its key id, hides the plaintext and uses a fresh IV each time", async () => {
    const k = randomKey();
    const ring = await loadKeyring(k);
    const secret = generateWebhookSecret();
    const a = await sealSecret(ring, "webhook-secret", secret, AAD);
    const b = await sealSecret(ring, "webhook-secret", secret, AAD);
    expect(a.startsWith(`v2.${await keyIdOf(k)}.`)).toBe(true);
    expect(a).not.toContain(secret.slice(6, 20));
    expect(a).not.toBe(b);
    expect(await openSecret(ring, "webhook-secret", a, AAD)).toBe(secret);
  });

  it("a purpose's subkey opens nothing of another purpose; the master key used directly opens nothing new", async () => {
    const k = randomKey();
    const ring = await loadKeyring(k);
    const sealed = await sealSecret(ring, "webhook-secret", "whsec_x", AAD);
    await expectUnreadable(openSecret(ring, "idempotency-response", sealed, AAD), "corrupt", await keyIdOf(k));
    // Rewritten as a v1 value (the old format: master key directly), it does not open either.
    const [, , iv, ct] = sealed.split(".");
    await expectUnreadable(openSecret(ring, "webhook-secret", `v1.${iv}.${ct}`, AAD), "unknown-key", null);
  });

  it("refuses a tampered ciphertext, another row's AAD, and garbage, with a typed error", async () => {
    const k = randomKey();
    const ring = await loadKeyring(k);
    const id = await keyIdOf(k);
    const sealed = await sealSecret(ring, "webhook-secret", "whsec_x", AAD);
    const [v, kid, iv, ct = ""] = sealed.split(".");
    const flipped = `${v}.${kid}.${iv}.${ct.startsWith("A") ? "B" : "A"}${ct.slice(1)}`;
    await expectUnreadable(openSecret(ring, "webhook-secret", flipped, AAD), "corrupt", id);
    await expectUnreadable(openSecret(ring, "webhook-secret", sealed, "webhook_endpoints:whe_2"), "corrupt", id);
    await expectUnreadable(openSecret(ring, "webhook-secret", "not-a-sealed-value", AAD), "corrupt", null);
  });

  it("bytes: magic + key id + iv + ciphertext, bound to purpose and AAD", async () => {
    const k = randomKey();
    const ring = await loadKeyring(k);
    const body = new TextEncoder().encode('{"secret":"whsec_abc"}');
    const sealed = await sealBytes(ring, "idempotency-response", body, "idempotency:acc_1:k1");
    expect(new TextDecoder().decode(sealed.subarray(0, 4))).toBe("ar2.");
    expect([...sealed.subarray(4, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")).toBe(await keyIdOf(k));
    expect(new TextDecoder().decode(await openBytes(ring, "idempotency-response", sealed, "idempotency:acc_1:k1"))).toBe('{"secret":"whsec_abc"}');
    await expectUnreadable(openBytes(ring, "idempotency-response", sealed, "idempotency:acc_1:k2"), "corrupt", await keyIdOf(k));
    await expectUnreadable(openBytes(ring, "webhook-secret", sealed, "idempotency:acc_1:k1"), "corrupt", await keyIdOf(k));
  });
});

describe("secret box: key rotation", () => {
  it("after a rotation the previous key still opens old values; new values use the new key", async () => {
    const oldKey = randomKey();
    const newKey = randomKey();
    const before = await loadKeyring(oldKey);
    const text = await sealSecret(before, "webhook-secret", "whsec_old", AAD);
    const bytes = await sealBytes(before, "idempotency-response", new Uint8Array([1, 2, 3]), "idem");

    const rotated = await loadKeyring(newKey, [oldKey]);
    expect(rotated.current.id).toBe(await keyIdOf(newKey));
    expect(await openSecret(rotated, "webhook-secret", text, AAD)).toBe("whsec_old");
    expect([...(await openBytes(rotated, "idempotency-response", bytes, "idem"))]).toEqual([1, 2, 3]);
    const fresh = await sealSecret(rotated, "webhook-secret", "whsec_new", AAD);
    expect(fresh.startsWith(`v2.${await keyIdOf(newKey)}.`)).toBe(true);
  });

  it("once the previous key is removed, old values fail with a typed error naming the missing key, not a crash", async () => {
    const oldKey = randomKey();
    const text = await sealSecret(await loadKeyring(oldKey), "webhook-secret", "whsec_old", AAD);
    const bytes = await sealBytes(await loadKeyring(oldKey), "idempotency-response", new Uint8Array([9]), "idem");
    const onlyNew = await loadKeyring(randomKey());
    await expectUnreadable(openSecret(onlyNew, "webhook-secret", text, AAD), "unknown-key", await keyIdOf(oldKey));
    await expectUnreadable(openBytes(onlyNew, "idempotency-response", bytes, "idem"), "unknown-key", await keyIdOf(oldKey));
  });

  it("values written by the format before key ids (master key directly) still open, as current or as previous key", async () => {
    const oldKey = randomKey();
    const text = await legacySealText(oldKey, "whsec_legacy", AAD);
    const bytes = await legacySealBytes(oldKey, new TextEncoder().encode("stored body"), "idem");
    for (const ring of [await loadKeyring(oldKey), await loadKeyring(randomKey(), [oldKey])]) {
      expect(await openSecret(ring, "webhook-secret", text, AAD)).toBe("whsec_legacy");
      expect(new TextDecoder().decode(await openBytes(ring, "idempotency-response", bytes, "idem"))).toBe("stored body");
    }
    const without = await loadKeyring(randomKey());
    await expectUnreadable(openSecret(without, "webhook-secret", text, AAD), "unknown-key", null);
    await expectUnreadable(openBytes(without, "idempotency-response", bytes, "idem"), "unknown-key", null);
  });

  it("a key that is not base64 of 32 bytes is refused when the ring is built", async () => {
    await expect(loadKeyring("c2hvcnQ=")).rejects.toThrow(/32 bytes/);
    await expect(loadKeyring(randomKey(), ["not base64!"])).rejects.toThrow(/32 bytes/);
  });
});
