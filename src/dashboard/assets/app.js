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
