// Checks the Go codec against the real JSON.parse and JSON.stringify.
//
//   node stringify.mjs values manifest.json
//     Each case: {name, body (base64), canonical (base64), exact}. body is
//     decoded as Express's JSON body parser does (UTF-8 with U+FFFD for
//     invalid bytes, BOM stripped) and JSON.parse'd; JSON.stringify of the
//     result must equal canonical byte for byte, and when exact, the body too.
//
//   node stringify.mjs numbers numbers.txt
//     Each line: the 16 hex digits of a float64's bits, a space, and what Go
//     wrote for it; JSON.stringify of that double must be the same text.
//
// Prints one line per failure (the first 20) and exits 1 when there is any.
import { readFileSync } from "node:fs";

const [mode, file] = process.argv.slice(2);
let checked = 0;
let failures = 0;
const fail = (msg) => {
  if (++failures <= 20) console.log(`FAIL ${msg}`);
};

if (mode === "values") {
  for (const c of JSON.parse(readFileSync(file, "utf8"))) {
    checked++;
    const raw = Buffer.from(c.body, "base64");
    let text = raw.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      fail(`${c.name}: JSON.parse: ${e.message}`);
      continue;
    }
    const got = Buffer.from(JSON.stringify(value), "utf8");
    const canonical = Buffer.from(c.canonical, "base64");
    if (!got.equals(canonical)) {
      fail(`${c.name}: JSON.stringify differs\n  node: ${got}\n  go:   ${canonical}`);
    } else if (c.exact && !got.equals(raw)) {
      fail(`${c.name}: the body is not JSON.stringify(JSON.parse(body))\n  node: ${got}\n  body: ${text}`);
    }
  }
} else if (mode === "numbers") {
  const buf = Buffer.alloc(8);
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line === "") continue;
    checked++;
    const [bits, goText] = line.split(" ");
    buf.write(bits, "hex");
    const nodeText = JSON.stringify(buf.readDoubleBE(0));
    if (nodeText !== goText) fail(`0x${bits}: node ${nodeText}, go ${goText}`);
  }
} else {
  console.log("usage: node stringify.mjs values|numbers FILE");
  process.exit(2);
}
console.log(`checked ${checked} cases, ${failures} failures`);
process.exit(failures ? 1 : 0);
