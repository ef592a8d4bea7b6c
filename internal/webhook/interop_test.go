package webhook

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// interopCase is one body for testdata/verify.mjs (see there for the checks).
type interopCase struct {
	Name      string `json:"name"`
	Body      string `json:"body"` // base64
	Secret    string `json:"secret"`
	Signature string `json:"signature"`
	Canonical string `json:"canonical"` // base64 of what JSON.stringify must give
	Exact     bool   `json:"exact"`     // the body itself must equal that
}

var interopSecrets = []string{
	"whsec_2f8a1c9e4b7d6053a1e2f3c4b5a69788",
	"It's a Secret to Everybody",
	"whsec_ünïcödé🔑",
}

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

func randomString(rnd *rand.Rand) string {
	if rnd.IntN(3) == 0 {
		return trickyStrings[rnd.IntN(len(trickyStrings))]
	}
	var b []byte
	for range rnd.IntN(12) {
		switch rnd.IntN(6) {
		case 0:
			b = append(b, byte(rnd.IntN(0x20))) // control character
		case 1:
			b = appendWTF8(b, rune(0xD800+rnd.IntN(0x800))) // lone surrogate
		case 2:
			b = appendWTF8(b, rune(0x80+rnd.IntN(0x800)))
		case 3:
			b = appendWTF8(b, rune(0x10000+rnd.IntN(0x100000)))
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

func randomValue(rnd *rand.Rand, depth int) any {
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
		return randomString(rnd)
	case 4:
		return randomNumber(rnd)
	case 5:
		arr := make([]any, rnd.IntN(4))
		for i := range arr {
			arr[i] = randomValue(rnd, depth+1)
		}
		return arr
	}
	o := Object{}
	for range rnd.IntN(6) {
		k := randomString(rnd)
		if rnd.IntN(2) == 0 {
			k = trickyKeys[rnd.IntN(len(trickyKeys))]
		}
		o.Set(k, randomValue(rnd, depth+1))
	}
	return o
}

// Raw JSON texts (not made by Marshal) whose JSON.stringify form we predict.
var rawInteropBodies = []string{
	`{ "event" : "call.ended", "timestamp":"2025-01-15T10:30:00.000Z",` + "\n" + `"data":{"id":"abc123","duration":45.0}}`,
	`{"b":1,"a":2,"1":3,"0":4,"a":5,"4294967295":6,"4294967294":7}`,
	`{"s":"\u0041\u00e9\/\ud83d\ude00\ud800\udc00\udbff\udfff\ud800x\udc00\u2028\u001F"}`,
	`[1E400,-1e400,1e-400,-0,0.0,1.0e0,5e-324,2e-324,1.7976931348623158e308,9007199254740993,123456789012345678901234567890]`,
	"{\"bad\":\"\xff\xfe\xc0\xaf\xe2\x82\xf0\x9f\x98\xed\xa0\x80\xf4\x90\x80\x80\xe0\x80\x80\"}",
	"\xef\xbb\xbf{\"bom\":true}",
	`{"__proto__":{"x":1},"constructor":null,"toString":"s"}`,
	`{"deep":[[[[[[[[[[{"k":[]}]]]]]]]]]]}`,
}

func TestNodeInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH: the JSON.stringify interop check needs Node.js")
	}
	var cases []interopCase
	add := func(name string, body []byte, exact bool) {
		canonical, err := Canonical(body)
		if err != nil {
			t.Fatalf("%s: Canonical: %v", name, err)
		}
		secret := interopSecrets[len(cases)%len(interopSecrets)]
		cases = append(cases, interopCase{
			Name:      name,
			Body:      base64.StdEncoding.EncodeToString(body),
			Secret:    secret,
			Signature: Sign(secret, canonical),
			Canonical: base64.StdEncoding.EncodeToString(canonical),
			Exact:     exact,
		})
	}
	marshal := func(name string, v any) {
		body, err := Marshal(v)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", name, err)
		}
		add(name, body, true)
	}

	rnd := rand.New(rand.NewPCG(2025, 115))
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	for _, ev := range EventNames() {
		data := SampleData(ev, rnd, now)
		body, err := NewPayload(ev, now, data)
		if err != nil {
			t.Fatal(err)
		}
		add("sample "+ev, body, true)
		data, err = ApplyData(data, []string{"name=A&B <x>", "note=😀 \u2028 é", "meta.n=1e21", `meta.list=[1,-0,0.000001,"<>"]`, "7=seven", "3=three"})
		if err != nil {
			t.Fatal(err)
		}
		marshal("sample+data "+ev, Object{{"event", ev}, {"timestamp", FormatTimestamp(now)}, {"data", data}})
	}
	for i, s := range trickyStrings {
		marshal(fmt.Sprintf("string %d", i), Object{{"event", "contact.created"}, {"data", Object{{"name", s}, {s, s}}}})
	}
	for i, n := range trickyNumbers {
		marshal(fmt.Sprintf("number %d (%v)", i, n), Object{{"event", "call.ended"}, {"data", Object{{"duration", n}, {"list", []any{n, n}}}}})
	}
	keys := Object{}
	for i, k := range trickyKeys {
		keys.Set(k, i)
	}
	marshal("integer-like keys", keys)
	marshal("go map", map[string]any{"b": 1, "a": map[string]any{"z": 1, "10": 2, "9": 3}, "3": []string{"x"}})
	for i := range 1500 {
		ev := EventNames()[rnd.IntN(len(Events))]
		marshal(fmt.Sprintf("random %d", i), Object{
			{"event", ev},
			{"timestamp", FormatTimestamp(now.Add(time.Duration(rnd.Int64N(1e15))))},
			{"data", randomValue(rnd, 0)},
		})
	}
	for i, s := range rawInteropBodies {
		add(fmt.Sprintf("raw %d", i), []byte(s), false)
	}

	dir := t.TempDir()
	manifest := filepath.Join(dir, "manifest.json")
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, data, 0o600); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "verify.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, manifest).CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, out)
	}
	if want := fmt.Sprintf("checked %d cases, 0 failures", len(cases)); !strings.Contains(string(out), want) {
		t.Fatalf("node output lacks %q:\n%s", want, out)
	}
}
