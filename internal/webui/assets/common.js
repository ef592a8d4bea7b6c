// Shared by the inspector and the sandbox dashboard. Text from requests is
// only ever set as textContent, never as HTML.
"use strict";

const ez = {
  // el("td", {class: "x", dataset: {seq: 1}}, "text", child...)
  el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "dataset") Object.assign(n.dataset, v);
      else if (k === "onclick" || k === "onchange" || k === "oninput") n.addEventListener(k.slice(2), v);
      else if (k === "text") n.textContent = v;
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  },

  async json(url, opts) {
    const resp = await fetch(url, Object.assign({ credentials: "same-origin" }, opts || {}));
    let body = null;
    try { body = await resp.json(); } catch (e) { body = null; }
    if (!resp.ok) {
      const msg = body && (typeof body.error === "string" ? body.error : body.error && body.error.message);
      throw new Error(msg || resp.status + " " + resp.statusText);
    }
    return body;
  },

  time(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return iso || "";
    const p = (n, w) => String(n).padStart(w || 2, "0");
    return p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + "." + p(d.getMilliseconds(), 3);
  },

  statusClass(code) {
    if (!code) return "bad";
    if (code < 300) return "ok";
    if (code < 400) return "warn";
    return "bad";
  },

  latency(ms) {
    if (ms === undefined || ms === null) return "";
    if (ms < 10) return ms.toFixed(1) + " ms";
    if (ms < 1000) return Math.round(ms) + " ms";
    return (ms / 1000).toFixed(2) + " s";
  },

  // base64 -> Uint8Array
  bytes(b64) {
    if (b64 === null || b64 === undefined) return null;
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  },

  // UTF-8 text of bytes, or null when they are not valid UTF-8.
  utf8(bytes) {
    try { return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes); }
    catch (e) { return null; }
  },

  // A hexdump: offset, 16 bytes in hex, the printable ASCII.
  hex(bytes) {
    const lines = [];
    for (let off = 0; off < bytes.length; off += 16) {
      const chunk = bytes.subarray(off, off + 16);
      let hex = "", ascii = "";
      for (let i = 0; i < 16; i++) {
        if (i < chunk.length) {
          hex += chunk[i].toString(16).padStart(2, "0") + " ";
          ascii += chunk[i] >= 0x20 && chunk[i] < 0x7f ? String.fromCharCode(chunk[i]) : ".";
        } else hex += "   ";
        if (i === 7) hex += " ";
      }
      lines.push(off.toString(16).padStart(8, "0") + "  " + hex + " " + ascii);
    }
    return lines.join("\n");
  },

  async copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* fall back */ }
    }
    const ta = ez.el("textarea", { readonly: true }, text);
    ta.style.position = "fixed"; // CSSOM, not a style attribute: the CSP allows no inline style
    ta.style.left = "-9999px";
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    ta.remove();
    return ok;
  },

  headersTable(pairs) {
    if (!pairs || pairs.length === 0) return ez.el("p", { class: "muted" }, "no headers");
    return ez.el("table", { class: "headers" },
      ez.el("tbody", {}, pairs.map(([k, v]) => ez.el("tr", {}, ez.el("td", {}, k), ez.el("td", {}, v)))));
  },

  // A body view with Raw / Pretty / Hex tabs. Raw is the bytes as UTF-8
  // text, exactly; bodies that are not UTF-8 open on Hex.
  bodyView(b64, pretty, idPrefix) {
    const bytes = ez.bytes(b64);
    if (bytes === null) return ez.el("p", { class: "muted" }, "not received whole");
    const text = ez.utf8(bytes);
    const views = {
      raw: ez.el("pre", { id: idPrefix + "raw" }),
      pretty: ez.el("pre", { id: idPrefix + "pretty" }),
      hex: ez.el("pre", { id: idPrefix + "hex", class: "hex" }, ez.hex(bytes)),
    };
    if (text === null) views.raw.append(ez.el("span", { class: "muted" }, "not valid UTF-8: see the hex view"));
    else views.raw.textContent = text;
    if (pretty) views.pretty.textContent = pretty;
    else views.pretty.append(ez.el("span", { class: "muted" }, "not JSON"));
    const wrap = ez.el("div", {});
    const tabs = ez.el("div", { class: "tabs", role: "tablist" });
    const show = (name) => {
      for (const [k, v] of Object.entries(views)) v.hidden = k !== name;
      for (const b of tabs.children) b.setAttribute("aria-selected", b.dataset.view === name ? "true" : "false");
    };
    for (const [name, title] of [["raw", "Raw"], ["pretty", "Pretty JSON"], ["hex", "Hex"]]) {
      tabs.append(ez.el("button", { type: "button", role: "tab", id: idPrefix + "tab-" + name, dataset: { view: name }, onclick: () => show(name) }, title));
    }
    wrap.append(tabs, views.raw, views.pretty, views.hex);
    show(text === null ? "hex" : "raw");
    const size = ez.el("p", { class: "muted" }, bytes.length + " bytes" + (text === null ? ", not UTF-8" : ""));
    wrap.prepend(size);
    return wrap;
  },
};
