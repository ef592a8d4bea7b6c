// The sandbox's dashboard: Settings > API Keys > Webhooks. It is a client
// of the sandbox's own API, signed in with an API key (each key is an
// organisation), refreshed every two seconds.
"use strict";

const el = ez.el;
const api = "/api/v1";
const params = new URLSearchParams(location.search);
const focus = params.get("webhook") || "";
let key = sessionStorage.getItem("erzycall-sandbox-key") || "ek_test_sandbox";
let timer = 0;

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("api-key");
  input.value = key;
  document.getElementById("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    key = input.value.trim();
    sessionStorage.setItem("erzycall-sandbox-key", key);
    refresh();
  });
  if (focus) document.getElementById("delivery-scope").textContent = "to " + focus;
  refresh();
});

async function call(method, path, body) {
  return ez.json(api + path, {
    method,
    headers: Object.assign({ "X-API-Key": key }, body ? { "Content-Type": "application/json" } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function refresh() {
  clearTimeout(timer);
  const live = document.getElementById("live");
  const error = document.getElementById("error");
  try {
    const v = (await call("GET", "/sandbox/dashboard")).data;
    error.hidden = true;
    live.className = "meta ok";
    render(v);
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
    live.className = "meta bad";
  }
  timer = setTimeout(refresh, 2000);
}

function render(v) {
  const eps = document.getElementById("endpoints");
  if (v.endpoints.length === 0) {
    eps.replaceChildren(el("p", { class: "muted" }, "No endpoints in this organisation: ", el("code", {}, "erzycall webhooks create --url … --events call.ended")));
  } else {
    eps.replaceChildren(...v.endpoints.map(endpointCard));
  }
  const byID = new Map(v.endpoints.map((e) => [e.id, e]));
  const list = v.deliveries.filter((d) => !focus || d.endpointId === focus);
  document.getElementById("deliveries").replaceChildren(...list.map((d) => deliveryRow(d, byID.get(d.endpointId))));
  document.getElementById("no-deliveries").hidden = list.length > 0;
}

function endpointCard(e) {
  const status = e.isActive ? el("span", { class: "ok status" }, "Active") : el("span", { class: "bad status" }, "Disabled");
  const card = el("div", { class: "card endpoint", id: "endpoint-" + e.id, dataset: { id: e.id } },
    el("h2", {}, status, " ", el("span", { class: "mono" }, e.url)),
    el("dl", { class: "facts" },
      el("dt", {}, "ID"), el("dd", { class: "mono" }, e.id),
      e.description ? [el("dt", {}, "Description"), el("dd", {}, e.description)] : null,
      el("dt", {}, "Events"), el("dd", {}, e.events.join(", ")),
      el("dt", {}, "Consecutive failures"), el("dd", { class: e.consecutiveFailures ? "warn" : "" }, e.consecutiveFailures + " of " + e.disableAfter),
      e.disabledReason ? [el("dt", {}, "Why disabled"), el("dd", { class: "bad reason" }, e.disabledReason)] : null,
      el("dt", {}, "Signing secret"), el("dd", { class: "mono" }, e.secret)),
    e.isActive ? null : el("button", { type: "button", class: "primary", onclick: () => reenable(e.id) }, "Re-enable"));
  if (e.id === focus) card.classList.add("selected");
  return card;
}

async function reenable(id) {
  try {
    await call("PATCH", "/webhooks/" + encodeURIComponent(id), { isActive: true });
  } catch (e) {
    alertError(e);
  }
  refresh();
}

function deliveryRow(d, endpoint) {
  const attempts = el("table", { class: "attempts" }, el("tbody", {}, d.attempts.map((a) =>
    el("tr", {},
      el("td", {}, "#" + a.attempt),
      el("td", { class: "num" }, ez.time(a.time)),
      el("td", { class: "num" }, a.status ? el("span", { class: "status " + ez.statusClass(a.status) }, a.status) : el("span", { class: "bad err", title: a.error || "" }, "no answer")),
      el("td", { class: "num" }, a.latencyMs + " ms"),
      el("td", { class: "muted" }, a.outcome),
      el("td", { class: "muted err" }, a.error || "")))));
  const next = d.nextRetryAt ? ez.time(d.nextRetryAt) : "—";
  const canResend = endpoint && endpoint.isActive;
  return el("tr", { class: "delivery", dataset: { id: d.deliveryId, outcome: d.outcome } },
    el("td", { class: "mono" }, d.deliveryId, d.resendOf ? el("div", {}, el("span", { class: "mark replay" }, "resend of " + d.resendOf)) : null),
    el("td", {}, d.event),
    el("td", { class: "mono wide" }, d.endpointId),
    el("td", {}, d.attempts.length ? attempts : el("span", { class: "muted" }, "queued")),
    el("td", { class: "num" }, next),
    el("td", {}, el("button", { type: "button", class: "resend", disabled: !canResend, title: canResend ? "send this delivery's body again" : "the endpoint is disabled or deleted", onclick: () => resend(d.deliveryId) }, "Resend")));
}

async function resend(id) {
  try {
    await call("POST", "/sandbox/deliveries/" + encodeURIComponent(id) + "/resend");
  } catch (e) {
    alertError(e);
  }
  refresh();
}

function alertError(e) {
  const error = document.getElementById("error");
  error.textContent = e.message;
  error.hidden = false;
}
