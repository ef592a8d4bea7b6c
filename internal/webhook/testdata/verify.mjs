// Checks Go-signed webhook deliveries with the handler ErzyCall documents:
// HMAC-SHA256 of JSON.stringify(req.body), compared with timingSafeEqual.
// Usage: node verify.mjs manifest.json
// Each manifest case: {name, body (base64), secret, signature}. The body is
// parsed as Express's JSON body parser does (UTF-8, then JSON.parse).
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
for (const c of cases) {
  const body = JSON.parse(Buffer.from(c.body, "base64").toString("utf8"));
  if (!verifyWebhookSignature(JSON.stringify(body), c.signature, c.secret)) {
    failures++;
    console.log(`FAIL ${c.name}: signature does not verify`);
  }
}
console.log(`checked ${cases.length} cases, ${failures} failures`);
process.exit(failures ? 1 : 0);
