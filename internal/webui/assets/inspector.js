// The listen inspector: a live list of deliveries (server-sent events),
// a detail view, replay and edit-and-replay.
"use strict";

const el = ez.el;
const state = {
  session: null,
  entries: new Map(), // seq -> summary
  order: [],          // seqs, newest first
  selected: 0,
  filter: "",
  failedOnly: false,
  last: 0,
};

document.addEventListener("DOMContentLoaded", start);

async function start() {
  document.getElementById("filter").addEventListener("input", (e) => { state.filter = e.target.value; render(); });
  document.getElementById("failed-only").addEventListener("change", (e) => { state.failedOnly = e.target.checked; render(); });
  try {
    state.session = await ez.json("/api/session");
  } catch (e) {
    document.getElementById("where").textContent = "cannot reach the listener: " + e.message;
    return;
  }
  const s = state.session;
  const where = document.getElementById("where");
  where.textContent = "listening on " + s.listenerUrl + (s.forwardTo ? " → " + s.forwardTo : " (no forward)") +
    " · keeps the last " + s.keep;
  await reload();
  connect();
  const m = /^#(\d+)$/.exec(location.hash);
  if (m) select(Number(m[1]));
}

async function reload() {
  const list = await ez.json("/api/deliveries");
  state.entries.clear();
  state.order = [];
  state.last = 0;
  for (const s of list) {
    state.entries.set(s.seq, s);
    state.order.push(s.seq);
    state.last = Math.max(state.last, s.seq);
  }
  render();
}

function connect() {
  const live = document.getElementById("live");
  const es = new EventSource("/api/stream?after=" + state.last);
  es.onopen = () => { live.className = "meta ok"; live.title = "live"; };
  es.onerror = () => { live.className = "meta bad"; live.title = "reconnecting…"; };
  es.addEventListener("delivery", (ev) => {
    const s = JSON.parse(ev.data);
    add(s, true);
  });
  // The listener restarted on this address: this page's numbers and its
  // CSRF token belong to the process that is gone. Start afresh.
  es.addEventListener("instance", (ev) => {
    if (JSON.parse(ev.data).instance !== state.session.instance) {
      es.close();
      location.reload();
    }
  });
  es.addEventListener("reset", () => { reload(); });
}

function add(s, fresh) {
  if (!state.entries.has(s.seq)) state.order.unshift(s.seq);
  state.entries.set(s.seq, s);
  state.last = Math.max(state.last, s.seq);
  while (state.order.length > state.session.keep) state.entries.delete(state.order.pop());
  render(fresh ? s.seq : 0);
}

// matches applies the filter box: words that must all match. "status:5"
// matches 5xx, "event:", "id:" a field, "failed" failed ones; other words
// are looked for in the row's text.
function matches(s) {
  if (state.failedOnly && !s.failed) return false;
  const words = state.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const text = [s.event, s.id, s.path, s.method, String(s.status), s.signature, s.error, s.marks.join(" "),
    s.forward ? s.forward.url + " " + s.forward.status + " " + s.forward.error : "", s.kind, "#" + s.seq].join(" ").toLowerCase();
  for (const w of words) {
    const [k, v] = w.includes(":") ? w.split(/:(.*)/s) : [null, w];
    if (k === "status") {
      const codes = [String(s.status)].concat(s.forward ? [String(s.forward.status)] : []);
      if (!codes.some((c) => c.startsWith(v))) return false;
    } else if (k === "event") {
      if (!(s.event || "").toLowerCase().includes(v)) return false;
    } else if (k === "id") {
      if (!(s.id || "").toLowerCase().includes(v)) return false;
    } else if (w === "failed") {
      if (!s.failed) return false;
    } else if (!text.includes(w)) return false;
  }
  return true;
}

function render(freshSeq) {
  const rows = document.getElementById("rows");
  const shown = state.order.map((seq) => state.entries.get(seq)).filter(matches);
  rows.replaceChildren(...shown.map((s) => row(s, s.seq === freshSeq)));
  document.getElementById("empty").hidden = state.order.length > 0;
  document.getElementById("count").textContent = shown.length === state.order.length
    ? state.order.length + " kept" : shown.length + " of " + state.order.length + " shown";
}

function row(s, fresh) {
  const cls = ["row"];
  if (s.seq === state.selected) cls.push("selected");
  if (s.failed) cls.push("failed");
  if (fresh) cls.push("fresh");
  const event = el("td", {},
    el("div", { class: "mono" }, s.event || (s.method + " " + s.path)),
    s.kind === "replay" ? el("span", { class: "mark replay" }, "↻ replay of #" + s.replayOf) : null,
    s.marks.map((m) => el("span", { class: "mark" }, m)));
  const sig = el("td", { class: s.signatureOk ? "ok" : "bad", title: s.kind === "replay" ? s.signing : (s.signature || s.error) },
    s.kind === "replay" ? el("span", { class: "muted" }, s.signing.includes("re-signed") ? "re-signed" : "original") : shortSignature(s));
  const status = el("td", { class: "num" }, s.status ? el("span", { class: "status " + ez.statusClass(s.status) }, s.status)
    : el("span", { class: "bad" }, "—"));
  let fwd = el("td", { class: "num wide" });
  if (s.forward) {
    fwd = el("td", { class: "num wide" },
      s.forward.status ? el("span", { class: "status " + ez.statusClass(s.forward.status) }, s.forward.status) : el("span", { class: "bad" }, "✗"),
      " ", el("span", { class: "muted" }, s.forward.error || ez.latency(s.forward.latencyMs)));
  }
  return el("tr", { class: cls.join(" "), dataset: { seq: s.seq }, onclick: () => select(s.seq) },
    el("td", { class: "num" }, el("span", { class: "muted" }, "#" + s.seq + " "), ez.time(s.time)),
    event, el("td", { class: "mono wide" }, s.id || ""), sig, status, fwd);
}

// shortSignature is the list's one-word verification result; the detail
// (and the cell's tooltip) has the whole text.
function shortSignature(s) {
  if (s.signatureOk) return "✓ signed";
  if (s.signature) return s.signature.startsWith("✗") ? "✗ " + s.signature.slice(2).split(":")[0] : s.signature.split(" (")[0];
  return s.error ? "✗ " + s.error.split(":")[0] : "";
}

async function select(seq) {
  state.selected = seq;
  history.replaceState(null, "", "#" + seq);
  for (const tr of document.querySelectorAll("#rows tr")) tr.classList.toggle("selected", Number(tr.dataset.seq) === seq);
  document.getElementById("split").classList.add("showing-detail");
  const box = document.getElementById("detail-body");
  document.getElementById("no-selection").hidden = true;
  let d;
  try {
    d = await ez.json("/api/deliveries/" + seq);
  } catch (e) {
    box.replaceChildren(el("p", { class: "notice bad" }, e.message));
    return;
  }
  if (state.selected !== seq) return;
  box.replaceChildren(detail(d));
}

function detail(d) {
  const back = el("button", { type: "button", class: "back", onclick: () => document.getElementById("split").classList.remove("showing-detail") }, "← All deliveries");
  const title = el("h2", { id: "detail-title" }, "#" + d.seq + " " + (d.event || d.method + " " + d.path) + (d.id ? " · " + d.id : ""));
  const facts = el("dl", { class: "facts" });
  const fact = (k, ...v) => facts.append(el("dt", {}, k), el("dd", {}, ...v));
  fact(d.kind === "replay" ? "Sent" : "Received", new Date(d.time).toLocaleString() + " (" + d.time + ")");
  fact("Request", el("span", { class: "mono" }, d.method + " " + d.path));
  if (d.kind === "replay") {
    fact("Replay of", d.original ? el("a", { href: "#" + d.replayOf, onclick: (e) => { e.preventDefault(); select(d.replayOf); } }, "#" + d.replayOf)
      : "#" + d.replayOf + " (no longer kept)");
    fact("Signature", d.signing);
  } else {
    fact("Signature", el("span", { class: d.signatureOk ? "ok" : "bad" }, d.signature || "—"));
    if (d.error) fact("Refused", el("span", { class: "bad" }, d.error));
  }
  if (d.marks.length) fact("Marks", d.marks.map((m) => el("span", { class: "mark" }, m)));
  fact(d.kind === "replay" ? "Answer" : "Sent back", d.status ? el("span", { class: "status " + ez.statusClass(d.status), id: "detail-status" }, d.status)
    : el("span", { class: "bad", id: "detail-status" }, d.forward && d.forward.error ? "no answer: " + d.forward.error : "no answer"));
  if (d.forward && d.kind !== "replay") {
    fact("Forward", el("span", { class: "mono" }, d.forward.url), " ",
      d.forward.status ? el("span", { class: "status " + ez.statusClass(d.forward.status) }, d.forward.status) : el("span", { class: "bad" }, "✗ " + d.forward.error),
      " ", el("span", { class: "muted" }, ez.latency(d.forward.latencyMs)));
  }
  if (d.replays.length) {
    fact("Replayed as", d.replays.map((r) => [el("a", { href: "#" + r, onclick: (e) => { e.preventDefault(); select(r); } }, "#" + r), " "]));
  }

  const parts = [back, title, facts, replayPanel(d)];
  parts.push(el("h3", {}, d.kind === "replay" ? "Request sent" : "Request headers"));
  if (d.kind === "replay" && d.sent) parts.push(el("p", { class: "mono" }, "POST " + d.sent.url));
  parts.push(ez.headersTable(d.headers));
  parts.push(el("h3", {}, "Body" + (d.truncated ? " (truncated: only the first " + state.session.maxBody + " bytes are kept)" : "")));
  parts.push(ez.bodyView(d.body, d.pretty, "body-"));
  if (d.sent && d.kind !== "replay") {
    parts.push(el("h3", {}, "Forward request"), el("p", { class: "mono" }, "POST " + d.sent.url), ez.headersTable(d.sent.headers));
  }
  if (d.response) {
    parts.push(el("h3", {}, d.kind === "replay" ? "Answer" : "The app's response"),
      el("p", {}, el("span", { class: "status " + ez.statusClass(d.response.status) }, d.response.status)),
      ez.headersTable(d.response.headers), ez.bodyView(d.response.body, null, "response-"));
  } else if (d.forward && d.forward.error) {
    parts.push(el("h3", {}, "The app's response"), el("p", { class: "bad" }, "none: " + d.forward.error));
  }
  if (d.curl) {
    const pre = el("pre", { id: "curl" }, d.curl);
    const note = el("span", { class: "muted" });
    parts.push(el("h3", {}, "Copy as curl"),
      el("p", {}, el("button", { type: "button", id: "copy-curl", onclick: async () => { note.textContent = (await ez.copy(d.curl)) ? " copied" : " select and copy the text below"; } }, "Copy as curl"), note),
      pre);
  }
  return el("div", {}, parts);
}

function replayPanel(d) {
  const s = state.session;
  if (d.notReplayable) return el("div", { class: "panel muted" }, "Cannot replay: " + d.notReplayable + ".");
  const target = el("select", { id: "replay-target", "aria-label": "Replay to" });
  if (s.forwardTo) target.append(el("option", { value: "forward" }, "the app: " + s.forwardTo));
  target.append(el("option", { value: "listener" }, "this listener: " + s.listenerUrl));
  target.append(el("option", { value: "url" }, "another URL…"));
  const url = el("input", { type: "url", id: "replay-url", placeholder: "http://localhost:3000/webhook", "aria-label": "Replay URL" });
  url.hidden = true;
  target.addEventListener("change", () => { url.hidden = target.value !== "url"; });
  const secret = el("select", { id: "replay-secret", "aria-label": "Signature" });
  secret.append(el("option", { value: "-1" }, "keep the original signature"));
  for (const sec of s.secrets) secret.append(el("option", { value: String(sec.index) }, "re-sign with the " + sec.label));
  secret.value = String(s.defaultSecret);
  const result = el("div", { id: "replay-result" });
  const editor = el("textarea", { id: "replay-editor", spellcheck: "false", "aria-label": "Body to send" });
  const bytes = ez.bytes(d.body);
  editor.value = d.pretty || (bytes && ez.utf8(bytes)) || "";
  const editNote = el("p", { class: "muted", id: "edit-note" });
  const editBox = el("div", {}, editor, editNote,
    el("div", { class: "row-form" },
      el("button", { type: "button", class: "primary", id: "send-edited", onclick: () => send(d, true) }, "Send edited"),
      el("button", { type: "button", onclick: () => { editBox.hidden = true; originalOption(true); } }, "Cancel")));
  editBox.hidden = true;
  const originalOption = (on) => {
    secret.options[0].disabled = !on;
    if (!on && secret.value === "-1" && s.secrets.length) secret.value = String(s.secrets[0].index);
    editNote.textContent = s.secrets.length
      ? "The edited body is sent in JSON.stringify form (as ErzyCall sends bodies) and re-signed with the secret chosen above: an edited body cannot keep its original signature."
      : "No secret to re-sign an edited body with.";
  };
  async function send(d, edited) {
    result.replaceChildren(el("p", { class: "muted" }, "sending…"));
    const req = { target: target.value, url: url.value, secret: Number(secret.value) };
    if (edited) req.body = editor.value;
    try {
      const r = await ez.json("/api/deliveries/" + d.seq + "/replay", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf },
        body: JSON.stringify(req),
      });
      add(r, true);
      const ok = r.status >= 200 && r.status < 300;
      result.replaceChildren(el("p", { class: "notice " + (ok ? "ok" : "bad") },
        "Replayed as ", el("a", { href: "#" + r.seq, onclick: (e) => { e.preventDefault(); select(r.seq); } }, "#" + r.seq), ": ",
        r.status ? el("span", { class: "status " + ez.statusClass(r.status) }, r.status) : el("span", { class: "bad" }, "no answer (" + r.forward.error + ")"),
        " in " + ez.latency(r.forward.latencyMs) + " — " + r.signing + "."));
    } catch (e) {
      result.replaceChildren(el("p", { class: "notice bad" }, "Not replayed: " + e.message));
    }
  }
  return el("div", { class: "panel", id: "replay-panel" },
    el("div", { class: "row-form" }, el("label", { for: "replay-target" }, "Replay to"), target, url),
    el("div", { class: "row-form" }, el("label", { for: "replay-secret" }, "Signature"), secret),
    el("div", { class: "row-form" },
      el("button", { type: "button", class: "primary", id: "replay-button", onclick: () => send(d, false) }, "Replay"),
      el("button", { type: "button", id: "edit-button", onclick: () => { editBox.hidden = false; originalOption(false); editor.focus(); } }, "Edit and replay")),
    editBox, result);
}
