// The webhook handler of the ErzyCall documentation, on node:http instead of
// express (express.json() is JSON.parse of the UTF-8 body): it re-serialises
// the parsed body with JSON.stringify and compares sha256=<hex> byte for
// byte with timingSafeEqual. It listens on 127.0.0.1, prints its port, and
// reads WEBHOOK_SECRET from the environment, as the documentation's does.
import crypto from "node:crypto";
import http from "node:http";

function verifyWebhookSignature(payload, signature, secret) {
  const expected = crypto.createHmac("sha256", secret).update(payload).digest("hex");
  const expectedSig = `sha256=${expected}`;
  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSig));
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end("Bad JSON");
      return;
    }
    const signature = req.headers["x-webhook-signature"] || "";
    const payload = JSON.stringify(body);
    let ok = false;
    try {
      ok = verifyWebhookSignature(payload, signature, process.env.WEBHOOK_SECRET);
    } catch {
      ok = false; // timingSafeEqual throws when the lengths differ
    }
    if (!ok) {
      res.writeHead(401).end("Invalid signature");
      return;
    }
    res.writeHead(200).end("OK");
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
