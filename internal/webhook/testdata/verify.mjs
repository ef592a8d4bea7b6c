// Checks Go-made webhook bodies the way the documented Node handler does.
// Usage: node verify.mjs manifest.json
// Each manifest case: {name, body (base64), secret, signature, canonical (base64), exact}.
//   - body is decoded as Express's JSON body parser does (UTF-8 with U+FFFD
//     for invalid bytes, BOM stripped), then JSON.parse'd;
//   - JSON.stringify of the result must equal canonical byte for byte;
//   - when exact, it must also equal the body itself (the Go encoder made it);
//   - the signature must pass the documented check: HMAC-SHA256 of
//     JSON.stringify(req.body) with timingSafeEqual.
// Prints one line per failure and exits 1 when there is any.
import crypto from "node:crypto";
import { readFileSync } from "node:fs";

function verifyWebhookSignature(payload, signature, secret) {
  const expected = crypto.createHmac("sha256", secret).update(payload).digest("hex");
  const expectedSig = `sha256=${expected}`;
  const a = Buffer.from(signature);
  const b = Buffer.from(expectedSig);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failures = 0;
const fail = (c, msg) => {
  failures++;
  console.log(`FAIL ${c.name}: ${msg}`);
};
for (const c of cases) {
  const raw = Buffer.from(c.body, "base64");
  let text = raw.toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let obj;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    fail(c, `JSON.parse: ${e.message}`);
    continue;
  }
  const payload = JSON.stringify(obj);
  const got = Buffer.from(payload, "utf8");
  const canonical = Buffer.from(c.canonical, "base64");
  if (!got.equals(canonical)) {
    fail(c, `JSON.stringify differs\n  node: ${payload}\n  go:   ${canonical.toString("utf8")}`);
  }
  if (c.exact && !got.equals(raw)) {
    fail(c, `body is not JSON.stringify(JSON.parse(body))\n  node: ${payload}\n  body: ${text}`);
  }
  if (!verifyWebhookSignature(payload, c.signature, c.secret)) {
    fail(c, "signature does not verify");
  }
}
console.log(`checked ${cases.length} cases, ${failures} failures`);
process.exit(failures ? 1 : 0);
