/* The software terminal (/terminal): pairs once, keeps its credential in this browser, signs every
   request (DPT1-HMAC-SHA256 with WebCrypto, as docs/terminals.md describes) and follows a payment
   as Server-Sent Events read through fetch (EventSource cannot send a signature). A sale's
   client_reference is stored before it is sent, so after a lost connection or a reload the page
   asks for that payment again instead of taking a second one. */
(() => {
  "use strict";
  const STORE = "digiplus.terminal";
  const PENDING = "digiplus.terminal.sale";
  const root = document.getElementById("counter");
  const T = JSON.parse(root.dataset.text);
  const $ = (id) => document.getElementById(id);
  const enc = new TextEncoder();
  let cred = load(STORE);
  let me = null;
  let skew = 0;
  let typed = "";
  let following = null; // {id, abort}

  function load(key) { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function save(key, value) { if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value)); }
  function show(name) {
    for (const s of document.querySelectorAll(".counter-screen")) s.hidden = s.id !== "screen-" + name;
    $("unpair-button").hidden = !cred;
  }
  function link(state) { const el = $("counter-link"); el.textContent = state.text; el.className = "badge " + state.cls; }
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  async function authorization(method, target, body) {
    if (!window.crypto || !crypto.subtle) throw new Error(T.signNeedsHttps);
    const ts = Math.floor(Date.now() / 1000) + skew;
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(18)));
    const bodyHash = hex(await crypto.subtle.digest("SHA-256", enc.encode(body)));
    const canonical = ["DPT1-HMAC-SHA256", method, target, String(ts), nonce, bodyHash].join("\n");
    const key = await crypto.subtle.importKey("raw", enc.encode(cred.secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = hex(await crypto.subtle.sign("HMAC", key, enc.encode(canonical)));
    return `DPT1-HMAC-SHA256 terminal=${cred.id},timestamp=${ts},nonce=${nonce},signature=${mac}`;
  }

  class Refused extends Error { constructor(status, error) { super(error.message); this.status = status; this.error = error; } }

  async function signed(method, target, payload, options = {}) {
    const body = payload === undefined ? "" : JSON.stringify(payload);
    for (let attempt = 0; attempt < 2; attempt++) {
      const headers = { Authorization: await authorization(method, target, body) };
      if (body) headers["Content-Type"] = "application/json";
      const response = await fetch(target, { method, headers, body: body || undefined, signal: options.signal });
      if (response.status === 401 && attempt === 0) {
        const error = (await response.clone().json().catch(() => ({}))).error || {};
        const server = Number(response.headers.get("Digiplus-Server-Time"));
        if (error.code === "terminal_timestamp_out_of_window" && server) { skew = server - Math.floor(Date.now() / 1000); continue; }
      }
      if (options.raw) return response;
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Refused(response.status, data.error || { message: T.error });
      return data;
    }
    throw new Error(T.error);
  }

  function refusedCredential(err) {
    if (!(err instanceof Refused) || err.status !== 401) return false;
    const code = err.error.code;
    if (code === "terminal_disabled") { link({ text: T.disabled, cls: "badge-bad" }); showError("sale-error", T.disabled); return true; }
    if (["terminal_unknown", "terminal_not_paired", "terminal_signature_invalid"].includes(code)) {
      save(STORE, null); cred = null; startPairing(T.unpaired); return true;
    }
    return false;
  }
  function showError(id, message) { const el = $(id); el.textContent = message; el.hidden = !message; }

  // --- pairing ------------------------------------------------------------------------
  function startPairing(message) { show("pair"); link({ text: T.pairTitle, cls: "badge-neutral" }); showError("pair-error", message || ""); }
  $("pair-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError("pair-error", "");
    const button = ev.submitter || $("pair-form").querySelector("button");
    button.disabled = true; button.textContent = T.pairing;
    try {
      const response = await fetch("/v1/terminal/pair", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code: $("pair-code").value.trim(), app_version: "digiplus-soft-terminal/1" }),
      });
      const data = await response.json();
      if (!response.ok) throw new Error((data.error || {}).message || T.error);
      cred = { id: data.terminal.id, secret: data.secret, name: data.terminal.name };
      save(STORE, cred);
      await ready();
    } catch (err) { showError("pair-error", err.message); }
    finally { button.disabled = false; button.textContent = T.pairButton; }
  });
  $("unpair-button").addEventListener("click", () => { save(STORE, null); save(PENDING, null); cred = null; startPairing(""); });

  // --- the keypad -----------------------------------------------------------------------
  const exponent = () => (me ? me.exponent : 2);
  function major(minor, currency) {
    const e = exponent();
    const s = String(minor).padStart(e + 1, "0");
    const whole = Number(s.slice(0, s.length - e || undefined)).toLocaleString(document.documentElement.lang);
    return `${currency} ${e ? whole + "." + s.slice(-e) : whole}`;
  }
  function drawAmount() { $("amount-display").textContent = major(Number(typed || "0"), me ? me.currency : ""); }
  $("keypad").addEventListener("click", (ev) => {
    const key = ev.target.closest("[data-key]");
    if (!key) return;
    const k = key.dataset.key;
    if (k === "⌫") typed = typed.slice(0, -1);
    else if ((typed + k).length <= 12) typed = (typed + k).replace(/^0+/, "");
    drawAmount();
  });
  $("clear-button").addEventListener("click", () => { typed = ""; drawAmount(); showError("sale-error", ""); });
  $("charge-button").addEventListener("click", async () => {
    const amount = Number(typed || "0");
    if (!amount) { showError("sale-error", T.enterAmount); return; }
    const reference = `soft-${Date.now().toString(36)}-${b64url(crypto.getRandomValues(new Uint8Array(6)))}`;
    save(PENDING, { reference, amount });
    await startSale(reference, amount);
  });

  // --- a sale ---------------------------------------------------------------------------
  async function startSale(reference, amount) {
    showError("sale-error", "");
    try {
      const sale = await signed("POST", "/v1/terminal/payments", { client_reference: reference, amount, method: "qr" });
      await showSale(sale);
    } catch (err) {
      if (refusedCredential(err)) return;
      if (err instanceof Refused) { save(PENDING, null); show("keypad"); showError("sale-error", err.message); return; }
      offline(); setTimeout(() => startSale(reference, amount), 2000); // same reference: never a second payment
    }
  }
  async function showSale(sale) {
    if (["succeeded", "canceled", "requires_capture"].includes(sale.status)) { finish(sale); return; }
    $("qr-amount").textContent = major(sale.amount, sale.currency);
    $("sale-status").textContent = waitingText(sale);
    $("sale-payload").value = sale.qr_payload || "";
    const svg = await signed("GET", `/v1/terminal/payments/${sale.id}/qr.svg`, undefined, { raw: true });
    $("counter-qr").innerHTML = svg.ok ? await svg.text() : "";
    const drawn = $("counter-qr").querySelector("svg");
    if (drawn && !drawn.getAttribute("viewBox")) drawn.setAttribute("viewBox", `0 0 ${drawn.getAttribute("width")} ${drawn.getAttribute("height")}`);
    show("qr");
    follow(sale.id);
  }
  function waitingText(sale) {
    if (sale.status === "processing") return T.processing; // the amount is held; it settles by itself
    return sale.last_payment_error ? T.declined : T.waiting;
  }
  function finish(sale) {
    if (following) { following.abort.abort(); following = null; }
    save(PENDING, null);
    typed = ""; drawAmount();
    const paid = sale.status === "succeeded" || sale.status === "requires_capture";
    $("done-box").className = "done-box " + (paid ? "paid" : "canceled");
    $("done-word").textContent = paid ? T.paid : T.canceled;
    $("done-amount").textContent = major(paid ? sale.amount_received || sale.amount : sale.amount, sale.currency);
    $("done-detail").textContent = sale.wallet_currency && sale.wallet_currency !== sale.currency ? `${sale.wallet_currency} ${sale.wallet_amount}` : "";
    show("done");
    link({ text: "●", cls: "badge-ok" });
  }
  function offline() { link({ text: T.offline, cls: "badge-bad" }); }

  async function follow(id) {
    if (following) following.abort.abort();
    const abort = new AbortController();
    following = { id, abort };
    while (following && following.id === id) {
      try {
        const response = await signed("GET", `/v1/terminal/payments/${id}/events`, undefined, { raw: true, signal: abort.signal });
        if (!response.ok) throw new Refused(response.status, (await response.json()).error || {});
        link({ text: "●", cls: "badge-ok" });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
            const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
            if (!data) continue;
            const sale = JSON.parse(data);
            if (["succeeded", "canceled", "requires_capture"].includes(sale.status)) { finish(sale); return; }
            $("sale-status").textContent = waitingText(sale);
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        if (refusedCredential(err)) return;
        offline();
        await new Promise((r) => setTimeout(r, 1500));
      }
    }
  }
  $("cancel-button").addEventListener("click", async () => {
    if (!following) return;
    try { finish(await signed("POST", `/v1/terminal/payments/${following.id}/cancel`, {})); }
    catch (err) { if (!refusedCredential(err)) $("sale-status").textContent = err.message; }
  });
  $("new-sale-button").addEventListener("click", () => { show("keypad"); drawAmount(); });

  // --- start, heartbeats ----------------------------------------------------------------
  async function ready() {
    try {
      me = await signed("GET", "/v1/terminal/me");
      me.exponent = me.currency_exponent;
      $("counter-merchant").textContent = me.merchant_name;
      $("counter-terminal").textContent = me.terminal.name;
      link({ text: "●", cls: "badge-ok" });
      drawAmount();
      const pending = load(PENDING);
      if (pending) {
        // Reloaded or reconnected while a sale was open: ask for it by its reference (never charge twice).
        try { await showSale(await signed("GET", `/v1/terminal/payments/by_reference/${encodeURIComponent(pending.reference)}`)); }
        catch (err) { if (err instanceof Refused && err.status === 404) await startSale(pending.reference, pending.amount); else throw err; }
      } else show("keypad");
    } catch (err) {
      if (refusedCredential(err)) return;
      offline(); show("keypad"); setTimeout(ready, 3000);
    }
  }
  setInterval(() => { if (cred) signed("POST", "/v1/terminal/heartbeat", { app_version: "digiplus-soft-terminal/1" }).catch(() => offline()); }, 30000);
  if (cred) ready(); else startPairing("");
})();
