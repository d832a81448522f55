// Drape dashboard: progressive enhancement only. Every page works without this file; it adds copy
// buttons, submits the account switcher on change, asks before destructive actions, and keeps a
// form from being sent twice. Served from this origin (CSP `script-src 'self'`), no dependencies.

document.documentElement.classList.add("js");

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute("data-copy") || "");
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent || "";
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
  } catch {
    // No clipboard access (plain http on another host, or denied): select it for Ctrl+C.
    if (typeof source.select === "function") source.select();
    button.textContent = "Press Ctrl+C";
  }
});

document.addEventListener("change", (event) => {
  const select = event.target;
  if (select instanceof HTMLSelectElement && select.hasAttribute("data-autosubmit") && select.form) select.form.requestSubmit();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.dataset.submitting === "1") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "1";
  for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
});

// A page restored from the back/forward cache gets its buttons back.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-submitting]")) {
    delete form.dataset.submitting;
    for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = false;
  }
});

// Passkeys (WebAuthn). A form with data-passkey-options and a button data-passkey="register",
// "sign-in" or "reauth": fetch the ceremony's options (base64url strings, as the server's
// library makes them), run it with navigator.credentials, put the credential (JSON, base64url)
// and the challenge id in the form's hidden fields, and submit the form. The server checks all.
const fromB64url = (s) => {
  const b64 = s
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(s.length / 4) * 4, "=");
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)).buffer;
};
const toB64url = (buf) => {
  let bin = "";
  for (const byte of new Uint8Array(buf)) bin += String.fromCharCode(byte);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const withIds = (list) => (list || []).map((c) => ({ ...c, id: fromB64url(c.id) }));

function creationOptions(o) {
  return { ...o, challenge: fromB64url(o.challenge), user: { ...o.user, id: fromB64url(o.user.id) }, excludeCredentials: withIds(o.excludeCredentials) };
}
function requestOptions(o) {
  return { ...o, challenge: fromB64url(o.challenge), allowCredentials: withIds(o.allowCredentials) };
}

function credentialJson(cred) {
  const r = cred.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    if (typeof r.getTransports === "function") response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  const out = { id: cred.id, rawId: toB64url(cred.rawId), type: cred.type, response, clientExtensionResults: cred.getClientExtensionResults() };
  if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
  return out;
}

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-passkey]") : null;
  if (!(button instanceof HTMLButtonElement) || !button.form) return;
  event.preventDefault();
  const form = button.form;
  const status = form.querySelector("[data-passkey-status]");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  if (!window.PublicKeyCredential || !navigator.credentials) return say("This browser does not support passkeys.");
  const ceremony = button.getAttribute("data-passkey");
  if (ceremony === "register" && !form.reportValidity()) return;
  const csrf = form.elements.namedItem("_csrf");
  const token = csrf instanceof HTMLInputElement ? csrf.value : "";
  button.disabled = true;
  try {
    const res = await fetch(form.getAttribute("data-passkey-options") || "", {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": token },
      body: new URLSearchParams({ _csrf: token }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok || !body.options) return say(body.error || "Could not start. Reload the page and try again.");
    say("Follow your browser's passkey prompt…");
    const cred =
      ceremony === "register"
        ? await navigator.credentials.create({ publicKey: creationOptions(body.options) })
        : await navigator.credentials.get({ publicKey: requestOptions(body.options) });
    if (!cred) return say("No passkey was used.");
    form.elements.namedItem("challengeId").value = body.challengeId;
    form.elements.namedItem("credential").value = JSON.stringify(credentialJson(cred));
    form.submit();
  } catch (err) {
    say(err && err.name === "NotAllowedError" ? "The passkey prompt was closed or timed out." : "The passkey could not be used in this browser.");
  } finally {
    button.disabled = false;
  }
});
