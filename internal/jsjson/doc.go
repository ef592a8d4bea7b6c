// Package jsjson is a JSON codec with JavaScript's semantics, byte for byte.
//
// ErzyCall's documented Node handler verifies a delivery by computing the
// HMAC of JSON.stringify(JSON.parse(body)), not of the raw body. So every
// body the CLI signs must already be in that form, and a receiver that wants
// to explain a mismatch must be able to compute it. encoding/json cannot do
// either: it escapes U+2028, U+2029 and HTML characters, loses the order and
// the duplicates of object keys, and formats some numbers differently.
//
//   - Parse behaves like Express's JSON body parser followed by JSON.parse:
//     invalid UTF-8 becomes U+FFFD (as Node decodes it), a leading byte order
//     mark is skipped, objects keep their key order (a repeated key keeps its
//     first position and its last value), numbers stay json.Number literals.
//   - Marshal behaves like JSON.stringify: JavaScript's property order
//     (integer-like keys first), Number#toString formatting, and escaping of
//     '"', '\\' and control characters only.
//   - Canonical is both: the bytes the documented handler signs.
//
// Strings from Parse may hold lone surrogates (from "\ud800" escapes), which
// JavaScript allows. They are kept as their generalized UTF-8 (WTF-8) bytes,
// so that Marshal writes them back as "\ud800", as JSON.stringify does.
//
// The tests check all of this against the real node (testdata/stringify.mjs).
// The package knows nothing about webhooks.
package jsjson

// maxDepth bounds nesting in Parse and Marshal, so hostile input cannot
// exhaust memory through recursion.
const maxDepth = 10000
