package jsjson_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
)

// These tests are the proof behind the package: the real node parses and
// stringifies what Go made, and must agree byte for byte. Under CI a missing
// node fails them (testutil.Program).

var trickyStrings = []string{
	"", "A&B <x>", "<script>alert(1)</script>", "Tom & Jerry's \"quotes\"", `back\slash /slash`,
	"😀🎉👍🏽", "👨‍👩‍👧", "José Álvarez", "Zoë Müller", "日本語テキスト", "עברית", "مرحبا",
	"line\u2028sep\u2029para", "\x00\x01\x07\x08\x09\x0a\x0b\x0c\x0d\x1b\x1f", "del\x7f", "\u0085\u00a0\ufeff\ufffd",
	"tab\there", "cr\r\nlf", "\U0010FFFF", "\xed\xa0\x80", "a\xed\xbf\xbfb", "+14155551234", "call_abc123",
}

var trickyKeys = []string{
	"id", "event", "data", "0", "1", "2", "10", "42", "4294967294", "4294967295", "01", "-1", "1.5", " 1",
	"__proto__", "constructor", "toString", "a.b", "", "😀", "ключ", "A&B <x>", "\u2028", "k\"q", "\x00",
}

var trickyNumbers = []any{
	0, -1, 45, 1.5, -0.5, 0.1, 1e21, 1e-7, 1e-6, 123456789.123456789, 9007199254740993, -9007199254740993,
	math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1), math.NaN(), math.Inf(1), float32(3.14),
	json.Number("1E400"), json.Number("-0.0"), json.Number("2.5e-7"), json.Number("100e-2"),
	json.Number("123456789012345678901234567890"), json.Number("0.1e1"), uint64(math.MaxUint64), int64(math.MinInt64),
}

// Raw JSON texts (not made by Marshal) whose JSON.stringify form Canonical predicts.
var rawBodies = []string{
	`{ "event" : "call.ended", "timestamp":"2025-01-15T10:30:00.000Z",` + "\n" + `"data":{"id":"abc123","duration":45.0}}`,
	`{"b":1,"a":2,"1":3,"0":4,"a":5,"4294967295":6,"4294967294":7}`,
	`{"s":"\u0041\u00e9\/\ud83d\ude00\ud800\udc00\udbff\udfff\ud800x\udc00\u2028\u001F"}`,
	`[1E400,-1e400,1e-400,-0,0.0,1.0e0,5e-324,2e-324,1.7976931348623158e308,9007199254740993,123456789012345678901234567890]`,
	"{\"bad\":\"\xff\xfe\xc0\xaf\xe2\x82\xf0\x9f\x98\xed\xa0\x80\xf4\x90\x80\x80\xe0\x80\x80\"}",
	"\xef\xbb\xbf{\"bom\":true}",
	`{"__proto__":{"x":1},"constructor":null,"toString":"s"}`,
	`{"deep":[[[[[[[[[[{"k":[]}]]]]]]]]]]}`,
}

// loneSurrogate returns the string Parse makes of a "\uXXXX" escape of a
// surrogate: how such strings reach the encoder in practice.
func loneSurrogate(t *testing.T, r rune) string {
	v, err := jsjson.Parse(fmt.Appendf(nil, `"\u%04x"`, r))
	if err != nil {
		t.Fatal(err)
	}
	return v.(string)
}

func randomString(t *testing.T, rnd *rand.Rand) string {
	if rnd.IntN(3) == 0 {
		return trickyStrings[rnd.IntN(len(trickyStrings))]
	}
	var b []byte
	for range rnd.IntN(12) {
		switch rnd.IntN(6) {
		case 0:
			b = append(b, byte(rnd.IntN(0x20))) // control character
		case 1:
			b = append(b, loneSurrogate(t, rune(0xD800+rnd.IntN(0x800)))...)
		case 2:
			b = utf8.AppendRune(b, rune(0x80+rnd.IntN(0x800)))
		case 3:
			b = utf8.AppendRune(b, rune(0x10000+rnd.IntN(0x100000)))
		default:
			b = append(b, byte(0x20+rnd.IntN(0x60)))
		}
	}
	return string(b)
}

func randomNumber(rnd *rand.Rand) any {
	switch rnd.IntN(5) {
	case 0:
		return trickyNumbers[rnd.IntN(len(trickyNumbers))]
	case 1:
		return math.Float64frombits(rnd.Uint64())
	case 2:
		return rnd.Int64N(1<<62) - 1<<61
	case 3:
		return (rnd.Float64() - 0.5) * math.Pow(10, float64(rnd.IntN(60)-30))
	}
	return rnd.IntN(1000)
}

func randomValue(t *testing.T, rnd *rand.Rand, depth int) any {
	n := 7
	if depth > 3 {
		n = 5 // leaves only
	}
	switch rnd.IntN(n) {
	case 0:
		return nil
	case 1:
		return rnd.IntN(2) == 0
	case 2, 3:
		return randomString(t, rnd)
	case 4:
		return randomNumber(rnd)
	case 5:
		arr := make([]any, rnd.IntN(4))
		for i := range arr {
			arr[i] = randomValue(t, rnd, depth+1)
		}
		return arr
	}
	o := jsjson.Object{}
	for range rnd.IntN(6) {
		k := randomString(t, rnd)
		if rnd.IntN(2) == 0 {
			k = trickyKeys[rnd.IntN(len(trickyKeys))]
		}
		o.Set(k, randomValue(t, rnd, depth+1))
	}
	return o
}

// TestNodeStringify: what Marshal makes is what JSON.stringify(JSON.parse())
// gives back unchanged, and Canonical predicts JSON.stringify(JSON.parse())
// of raw texts, for tricky strings, keys and numbers and random values.
func TestNodeStringify(t *testing.T) {
	type nodeCase struct {
		Name      string `json:"name"`
		Body      string `json:"body"`      // base64
		Canonical string `json:"canonical"` // base64 of what JSON.stringify must give
		Exact     bool   `json:"exact"`     // the body itself must equal that
	}
	var cases []nodeCase
	add := func(name string, body []byte, exact bool) {
		canonical, err := jsjson.Canonical(body)
		if err != nil {
			t.Fatalf("%s: Canonical: %v", name, err)
		}
		cases = append(cases, nodeCase{name, base64.StdEncoding.EncodeToString(body), base64.StdEncoding.EncodeToString(canonical), exact})
	}
	marshal := func(name string, v any) {
		body, err := jsjson.Marshal(v)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", name, err)
		}
		add(name, body, true)
	}

	for i, s := range trickyStrings {
		marshal(fmt.Sprintf("string %d", i), jsjson.Object{{Key: "name", Value: s}, {Key: s, Value: s}})
	}
	for i, n := range trickyNumbers {
		marshal(fmt.Sprintf("number %d (%v)", i, n), jsjson.Object{{Key: "n", Value: n}, {Key: "list", Value: []any{n, n}}})
	}
	keys := jsjson.Object{}
	for i, k := range trickyKeys {
		keys.Set(k, i)
	}
	marshal("integer-like keys", keys)
	marshal("go map", map[string]any{"b": 1, "a": map[string]any{"z": 1, "10": 2, "9": 3}, "3": []string{"x"}})
	rnd := rand.New(rand.NewPCG(2025, 115))
	for i := range 1500 {
		marshal(fmt.Sprintf("random %d", i), randomValue(t, rnd, 0))
	}
	for i, s := range rawBodies {
		add(fmt.Sprintf("raw %d", i), []byte(s), false)
	}

	manifest := testutil.TempJSON(t, cases)
	testutil.NodeCheck(t, len(cases), "testdata/stringify.mjs", "values", manifest)
}

// edgeNumbers are the doubles where a number formatter goes wrong if it
// does: both sides of every switch between fixed and exponent notation,
// every power of ten and of two with its neighbours, subnormals, the
// integers around 2^53, and sums that do not round-trip through decimals.
func edgeNumbers() []float64 {
	var fs []float64
	add := func(f float64) {
		fs = append(fs, f, -f, math.Nextafter(f, math.Inf(1)), math.Nextafter(f, math.Inf(-1)))
	}
	for _, f := range []float64{
		0, 1e21, 1e-6, 1e-7, 1e20, 1e22, 999999999999999999999, 0.000001, 0.0000009999999999999999,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1022, 0x1p-1022 - 0x1p-1074, 1 << 53, 1<<53 + 2,
		0.1 + 0.2, 1.0 / 3, 2.0 / 3, 5e-324, 1.7976931348623157e308, 123456789012345680000,
	} {
		add(f)
	}
	for k := -323; k <= 308; k++ {
		add(math.Pow(10, float64(k)))
		if f, err := strconv.ParseFloat(fmt.Sprintf("1e%d", k), 64); err == nil {
			add(f) // Pow is not always the nearest double
		}
	}
	for k := -1074; k <= 1023; k++ {
		add(math.Ldexp(1, k))
	}
	return append(fs, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1))
}

// TestNodeNumbers: AppendNumber writes what JSON.stringify writes for the
// same double, on every edge and on random doubles: 2^18 of them (2^14
// with -short, or ERZYCALL_NUMBER_CASES for a longer proof), half uniform
// over all bit patterns, half decimal literals with up to 17 digits and an
// exponent around the fixed/exponent switches.
func TestNodeNumbers(t *testing.T) {
	n := 1 << 18
	if testing.Short() {
		n = 1 << 14
	}
	if s := os.Getenv("ERZYCALL_NUMBER_CASES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatalf("ERZYCALL_NUMBER_CASES=%q: %v", s, err)
		}
	}
	rnd := rand.New(rand.NewPCG(2026, 12))
	fs := edgeNumbers()
	for i := range n {
		if i%2 == 0 {
			fs = append(fs, math.Float64frombits(rnd.Uint64()))
			continue
		}
		digits := fmt.Sprintf("%017d", rnd.Uint64N(1e17))[:1+rnd.IntN(17)]
		f, err := strconv.ParseFloat(fmt.Sprintf("%s.%se%d", digits[:1], digits[1:], rnd.IntN(60)-30), 64)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}

	file := filepath.Join(t.TempDir(), "numbers.txt")
	w, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(w)
	var line []byte
	for _, f := range fs {
		line = fmt.Appendf(line[:0], "%016x ", math.Float64bits(f))
		line = append(jsjson.AppendNumber(line, f), '\n')
		if _, err := bw.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	testutil.NodeCheck(t, len(fs), "testdata/stringify.mjs", "numbers", file)
}
