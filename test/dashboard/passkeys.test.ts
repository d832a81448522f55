import { describe, expect, it } from "vitest";
import { base64UrlDecode, base64UrlEncode } from "../../src/lib/base64";
import { type Page, TestBrowser, verifiedUser } from "../helpers/dashboard";
import { BASE, env } from "../helpers/harness";
import { type CeremonyOptionsJson, type CeremonyTweaks, SoftAuthenticator } from "../helpers/webauthn";

interface Ceremony {
  challengeId: string;
  options: CeremonyOptionsJson;
}

const ceremonyOf = (page: Page): Ceremony => {
  expect(page.status).toBe(200);
  return JSON.parse(page.html) as Ceremony;
};

const passkeyRows = (email: string) =>
  env.DB.prepare("SELECT p.id, p.name, p.counter, p.last_used_at AS lastUsedAt FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = ?")
    .bind(email)
    .all<{ id: string; name: string; counter: number; lastUsedAt: number | null }>()
    .then((r) => r.results);

/** A verified, signed-in user who registers one passkey from the account page. */
async function userWithPasskey(auth = new SoftAuthenticator()) {
  const { browser, email } = await verifiedUser();
  await browser.get("/dashboard/account");
  const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
  const credential = await auth.register(options, BASE);
  const added = await browser.post("/dashboard/passkeys", { name: "laptop", challengeId, credential });
  return { browser, email, auth, added, challengeId, credential };
}

/** A verified user's registration attempt with this authenticator, the client bent by `tweaks`. */
async function registerWith(auth: SoftAuthenticator, tweaks: CeremonyTweaks = {}) {
  const { browser, email } = await verifiedUser();
  await browser.get("/dashboard/account");
  const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
  const credential = await auth.register(options, BASE, tweaks);
  const page = await browser.post("/dashboard/passkeys", { name: "key", challengeId, credential });
  return { browser, email, page };
}

/** A signed-out browser signing in with the authenticator's passkey. */
async function passkeySignIn(auth: SoftAuthenticator, origin = BASE, next = "/dashboard/account", tweaks: CeremonyTweaks = {}) {
  const browser = new TestBrowser();
  await browser.get("/dashboard/sign-in");
  const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/sign-in/passkey/options", {}));
  const credential = await auth.assert(options, origin, 0, tweaks);
  const page = await browser.post("/dashboard/sign-in/passkey", { challengeId, credential, next });
  return { browser, page, challengeId, credential };
}

describe("passkeys", () => {
  it("registers a passkey from the account page (discoverable, user id as handle) and lists it", async () => {
    const { browser, email, added } = await userWithPasskey();
    expect(added.status).toBe(303);
    expect(added.location).toBe("/dashboard/account");
    const rows = await passkeyRows(email);
    expect(rows.map((r) => r.name)).toEqual(["laptop"]);
    const account = await browser.follow(added);
    expect(account.html).toContain("The passkey &quot;laptop&quot; is added.");
    expect(account.html).toMatch(/<td>laptop<\/td>/);
  });

  it("asks for a discoverable credential and excludes the passkeys the user already has", async () => {
    const { browser } = await userWithPasskey();
    const { options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
    const o = options as CeremonyOptionsJson & { authenticatorSelection: { residentKey: string }; excludeCredentials: unknown[] };
    expect(o.authenticatorSelection.residentKey).toBe("required");
    expect(o.excludeCredentials).toHaveLength(1);
    expect(o.rp?.id).toBe("drape.test");
  });

  it("uses a registration challenge once: the same credential posted again is refused and stores nothing more", async () => {
    const { browser, email, challengeId, credential } = await userWithPasskey();
    await browser.get("/dashboard/account");
    const again = await browser.post("/dashboard/passkeys", { name: "again", challengeId, credential });
    expect(again.status).toBe(400);
    expect(again.html).toContain("expired or was already used");
    expect(again.html).toContain('value="again"'); // what was typed is kept
    expect((await passkeyRows(email)).length).toBe(1);
  });

  it("refuses an empty name in place without using up the challenge", async () => {
    const { browser, email } = await verifiedUser();
    const auth = new SoftAuthenticator();
    await browser.get("/dashboard/account");
    const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
    const credential = await auth.register(options, BASE);
    const unnamed = await browser.post("/dashboard/passkeys", { name: "  ", challengeId, credential });
    expect(unnamed.status).toBe(400);
    expect(unnamed.html).toMatch(/id="f-name-error"/);
    expect((await browser.post("/dashboard/passkeys", { name: "phone", challengeId, credential })).status).toBe(303);
    expect((await passkeyRows(email)).map((r) => r.name)).toEqual(["phone"]);
  });

  it("refuses a registration made for another origin", async () => {
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/account");
    const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
    const credential = await new SoftAuthenticator().register(options, "https://evil.test");
    const refused = await browser.post("/dashboard/passkeys", { name: "phish", challengeId, credential });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain("could not be verified");
    expect(await passkeyRows(email)).toEqual([]);
  });

  it("signs in with the passkey (no email typed), rotating to a new session, and records the use", async () => {
    const { email, auth } = await userWithPasskey();
    const { browser, page } = await passkeySignIn(auth);
    expect(page.status).toBe(303);
    expect(page.location).toBe("/dashboard/account");
    const account = await browser.follow(page);
    expect(account.status).toBe(200);
    expect(account.html).toContain(email);
    const [row] = await passkeyRows(email);
    expect(row?.counter).toBe(1);
    expect(row?.lastUsedAt).toEqual(expect.any(Number));
  });

  it("uses a sign-in challenge once: a replayed assertion gets no session", async () => {
    const { auth } = await userWithPasskey();
    const first = await passkeySignIn(auth);
    expect(first.page.status).toBe(303);
    const replay = new TestBrowser();
    await replay.get("/dashboard/sign-in");
    const page = await replay.post("/dashboard/sign-in/passkey", { challengeId: first.challengeId, credential: first.credential, next: "/dashboard" });
    expect(page.status).toBe(401);
    expect(page.html).toContain("expired or was already used");
    expect(replay.cookies.has("__Host-drape_session")).toBe(false);
  });

  it("refuses an expired challenge", async () => {
    const { auth } = await userWithPasskey();
    const browser = new TestBrowser();
    await browser.get("/dashboard/sign-in");
    const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/sign-in/passkey/options", {}));
    await env.DB.prepare("UPDATE webauthn_challenges SET expires_at = created_at WHERE id = ?").bind(challengeId).run();
    const page = await browser.post("/dashboard/sign-in/passkey", { challengeId, credential: await auth.assert(options, BASE), next: "/dashboard" });
    expect(page.status).toBe(401);
    expect(browser.cookies.has("__Host-drape_session")).toBe(false);
  });

  it("refuses an assertion made for another origin, and a stale signature counter (a cloned authenticator)", async () => {
    const { auth } = await userWithPasskey();
    expect((await passkeySignIn(auth, "https://evil.test")).page.status).toBe(401);
    expect((await passkeySignIn(auth)).page.status).toBe(303);
    const cred = auth.credentials[0];
    if (cred) cred.counter = 0; // the clone signs with an older counter
    const cloned = await passkeySignIn(auth);
    expect(cloned.page.status).toBe(401);
  });

  it("removes a passkey: it no longer signs in", async () => {
    const { browser, email, auth } = await userWithPasskey();
    const [row] = await passkeyRows(email);
    await browser.get("/dashboard/account");
    const removed = await browser.post(`/dashboard/passkeys/${encodeURIComponent(row?.id ?? "")}/remove`, {});
    expect(removed.status).toBe(303);
    expect((await browser.follow(removed)).html).toContain("No passkeys yet.");
    expect(await passkeyRows(email)).toEqual([]);
    expect((await passkeySignIn(auth)).page.status).toBe(401);
  });

  it("cannot remove another user's passkey", async () => {
    const owner = await userWithPasskey();
    const [row] = await passkeyRows(owner.email);
    const other = await verifiedUser();
    await other.browser.get("/dashboard/account");
    const page = await other.browser.post(`/dashboard/passkeys/${encodeURIComponent(row?.id ?? "")}/remove`, {});
    expect((await other.browser.follow(page)).html).toContain("does not exist");
    expect((await passkeyRows(owner.email)).length).toBe(1);
  });

  it("a passkey proves recent authentication for the signed-in user (sessions.reauth_at), another user's does not", async () => {
    const { browser, auth } = await userWithPasskey();
    const reauthAt = () =>
      env.DB.prepare("SELECT reauth_at AS r FROM sessions WHERE revoked_at IS NULL AND user_id = (SELECT user_id FROM passkeys WHERE id = ?)")
        .bind(base64UrlEncode(auth.credentials[0]?.id ?? new Uint8Array()))
        .first<{ r: number | null }>();
    expect((await reauthAt())?.r).toBeNull();

    const stranger = await userWithPasskey();
    await browser.get("/dashboard/account");
    const wrong = ceremonyOf(await browser.post("/dashboard/reauth/passkey/options", {}));
    const refused = await browser.post("/dashboard/reauth/passkey", {
      challengeId: wrong.challengeId,
      credential: await stranger.auth.assert(wrong.options, BASE),
      next: "/dashboard/webhooks",
    });
    expect(refused.status).toBe(303);
    expect((await reauthAt())?.r).toBeNull();

    await browser.get("/dashboard/account");
    const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/reauth/passkey/options", {}));
    const ok = await browser.post("/dashboard/reauth/passkey", { challengeId, credential: await auth.assert(options, BASE), next: "/dashboard/webhooks" });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe("/dashboard/webhooks");
    expect((await reauthAt())?.r).toEqual(expect.any(Number));
  });

  it("needs a signed-in session to register, and the CSRF token to start any ceremony", async () => {
    const browser = new TestBrowser();
    await browser.get("/dashboard/sign-in");
    expect((await browser.post("/dashboard/passkeys/options", {})).status).toBe(303);
    expect((await browser.post("/dashboard/sign-in/passkey/options", { _csrf: "wrong" })).status).toBe(403);
    await browser.get("/dashboard/sign-in");
    expect((await browser.post("/dashboard/sign-in/passkey", { challengeId: "x", credential: "{not json" })).status).toBe(401);
  });
});

// A passkey registered by the previous verifier (@simplewebauthn/server 14.0.3): the public_key column as it
// stored it (its re-encoded COSE key), with the test-only private key that made it.
const STORED_BEFORE = {
  id: "rtJMpVagZOHU2WFEa0qAAA",
  publicKey: "pQECAyYgASFYIHnbb9_bez7JKxJHLVZggUaKcMy8nMdh28S8B_rnIXNQIlggAcEMvYLSTu-vxt2340jVeceW72aZBdnnV15EJ5j0e4w",
  privateJwk: {
    kty: "EC",
    crv: "P-256",
    x: "edtv39t7PskrEkctVmCBRopwzLycx2HbxLwH-uchc1A",
    y: "AcEMvYLSTu-vxt2340jVeceW72aZBdnnV15EJ5j0e4w",
    d: "7NWuq0W-uLAVZ8SG8jfvp8w9YjYsd_ixLBdHp_6d7y0",
  },
};

describe("passkey verification", () => {
  const refusedRegistration = async (auth: SoftAuthenticator, tweaks: CeremonyTweaks, text = "could not be verified") => {
    const { email, page } = await registerWith(auth, tweaks);
    expect(page.status).toBe(400);
    expect(page.html).toContain(text);
    expect(await passkeyRows(email)).toEqual([]);
  };

  it("refuses a registration answering another challenge, for another relying party, without user presence, or from a cross-origin frame", async () => {
    await refusedRegistration(new SoftAuthenticator(), { clientData: { challenge: base64UrlEncode(new Uint8Array(32)) } });
    await refusedRegistration(new SoftAuthenticator(), { clientData: { type: "webauthn.get" } });
    await refusedRegistration(new SoftAuthenticator(), { clientData: { crossOrigin: true } });
    await refusedRegistration(new SoftAuthenticator(), { flags: 0x44 }); // user verified, attested data, but not present
    const elsewhere = new SoftAuthenticator();
    const { browser, email } = await verifiedUser();
    await browser.get("/dashboard/account");
    const { challengeId, options } = ceremonyOf(await browser.post("/dashboard/passkeys/options", {}));
    const credential = await elsewhere.register({ ...options, rp: { id: "evil.test" } }, BASE);
    expect((await browser.post("/dashboard/passkeys", { name: "key", challengeId, credential })).status).toBe(400);
    expect(await passkeyRows(email)).toEqual([]);
  });

  it("accepts a packed self attestation whose signature the new key verifies; refuses a forged one, and one with certificates by name", async () => {
    const self = new SoftAuthenticator({ attestation: "packed-self" });
    const { email, page } = await registerWith(self);
    expect(page.status).toBe(303);
    expect((await passkeyRows(email)).length).toBe(1);
    expect((await passkeySignIn(self)).page.status).toBe(303);

    await refusedRegistration(new SoftAuthenticator({ attestation: "packed-self" }), { badSignature: true });
    await refusedRegistration(new SoftAuthenticator({ attestation: "packed-x5c" }), {}, "certified attestation, which Drape does not accept");
  });

  it("registers and signs in with EdDSA (Ed25519) and RS256 passkeys as well as ES256", async () => {
    for (const alg of ["EdDSA", "RS256"] as const) {
      const auth = new SoftAuthenticator({ alg });
      const { email, page } = await registerWith(auth);
      expect(page.status).toBe(303);
      const signedIn = await passkeySignIn(auth);
      expect(signedIn.page.status).toBe(303);
      expect((await passkeyRows(email))[0]?.counter).toBe(1);
      expect((await passkeySignIn(auth, BASE, "/dashboard", { badSignature: true })).page.status).toBe(401);
    }
  });

  it("refuses an assertion with a bad signature, without user presence, or for another challenge, and moves no counter", async () => {
    const { email, auth } = await userWithPasskey();
    expect((await passkeySignIn(auth, BASE, "/dashboard", { badSignature: true })).page.status).toBe(401);
    expect((await passkeySignIn(auth, BASE, "/dashboard", { flags: 0x04 })).page.status).toBe(401);
    expect((await passkeySignIn(auth, BASE, "/dashboard", { clientData: { challenge: base64UrlEncode(new Uint8Array(32)) } })).page.status).toBe(401);
    const [row] = await passkeyRows(email);
    expect(row?.counter).toBe(0);
    expect(row?.lastUsedAt).toBeNull();
  });

  it("signs in with an authenticator that keeps no counter (always 0), again and again", async () => {
    const auth = new SoftAuthenticator({ counting: false });
    const { email } = await registerWith(auth);
    expect((await passkeySignIn(auth)).page.status).toBe(303);
    expect((await passkeySignIn(auth)).page.status).toBe(303);
    expect((await passkeyRows(email))[0]?.counter).toBe(0);
  });

  it("keeps signing in with a passkey the previous verifier stored (same public_key column format)", async () => {
    const { email } = await verifiedUser();
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>();
    const userId = user?.id ?? "";
    const t0 = Date.now();
    await env.DB.prepare("INSERT INTO passkeys (id, user_id, public_key, counter, transports, name, created_at) VALUES (?, ?, ?, 0, ?, 'old', ?)")
      .bind(STORED_BEFORE.id, userId, STORED_BEFORE.publicKey, '["internal"]', t0)
      .run();
    const auth = new SoftAuthenticator();
    auth.adopt({
      id: base64UrlDecode(STORED_BEFORE.id),
      alg: "ES256",
      privateKey: await crypto.subtle.importKey("jwk", STORED_BEFORE.privateJwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]),
      userHandle: new TextEncoder().encode(userId),
      rpId: "drape.test",
      counter: 0,
    });
    const { browser, page } = await passkeySignIn(auth);
    expect(page.status).toBe(303);
    expect((await browser.follow(page)).html).toContain(email);
    expect((await passkeyRows(email))[0]?.counter).toBe(1);
  });
});
