package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", v, err)
	}
	return string(b)
}

func sum(a, b float64) float64 { return a + b }

// Expected values below were produced by Node's JSON.stringify.
func TestMarshalNumbers(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{0.0, "0"},
		{math.Copysign(0, -1), "0"},
		{1.0, "1"},
		{-1.0, "-1"},
		{0.1, "0.1"},
		{-1.5, "-1.5"},
		{123.456, "123.456"},
		{1e21, "1e+21"},
		{1e20, "100000000000000000000"},
		{123e20, "1.23e+22"},
		{1e-7, "1e-7"},
		{-1e-7, "-1e-7"},
		{1e-6, "0.000001"},
		{0.000001234, "0.000001234"},
		{1.5e-10, "1.5e-10"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{1e100, "1e+100"},
		{123456789012345680000.0, "123456789012345680000"},
		{sum(0.1, 0.2), "0.30000000000000004"}, // not a constant expression: those are exact in Go
		{1.0 / 3, "0.3333333333333333"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{math.Inf(-1), "null"},
		{float32(0.5), "0.5"},
		{42, "42"},
		{int64(-7), "-7"},
		{uint8(255), "255"},
		{int64(1) << 53, "9007199254740992"},
		{int64(1)<<53 + 1, "9007199254740992"}, // JavaScript cannot hold 2^53+1
		{uint64(4294967295), "4294967295"},
		{json.Number("45"), "45"},
		{json.Number("-0"), "0"},
		{json.Number("0.1e1"), "1"},
		{json.Number("1E400"), "null"},
		{json.Number("-1e400"), "null"},
		{json.Number("1e-400"), "0"},
		{json.Number("9007199254740993"), "9007199254740992"},
		{json.Number("12345678901234567890123"), "1.2345678901234568e+22"},
		{json.Number("1.50"), "1.5"},
	}
	for _, tt := range tests {
		if got := mustMarshal(t, tt.in); got != tt.want {
			t.Errorf("Marshal(%T %v) = %s, want %s", tt.in, tt.in, got, tt.want)
		}
	}
	if _, err := Marshal(json.Number("12abc")); err == nil {
		t.Error("Marshal of an invalid json.Number succeeded")
	}
}

func TestMarshalStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"A&B <x>", `"A&B <x>"`},
		{"\u2028\u2029", "\"\u2028\u2029\""},
		{"\x7f", "\"\x7f\""},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{`"\/`, `"\"\\/"`},
		{"é 😀 日本", `"é 😀 日本"`},
		{"\x1b[31m", `"\u001b[31m"`},
		// Invalid UTF-8: one U+FFFD per maximal subpart, as Node decodes it.
		{"a\xffb", "\"a\uFFFDb\""},
		{"\xe2\x82", "\"\uFFFD\""},
		{"\xe2\x82A", "\"\uFFFDA\""},
		{"\xf0\x9f\x98", "\"\uFFFD\""},
		{"\xc0\xaf", "\"\uFFFD\uFFFD\""},
		// Lone surrogates (WTF-8, as ParseJSON keeps them) are escaped.
		{"\xed\xa0\x80", `"\ud800"`},
		{"x\xed\xb0\x80", `"x\udc00"`},
		// A high and a low half next to each other form one character.
		{"\xed\xa0\xbd\xed\xb8\x80", `"😀"`},
	}
	for _, tt := range tests {
		if got := mustMarshal(t, tt.in); got != tt.want {
			t.Errorf("Marshal(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalKeyOrder(t *testing.T) {
	o := Object{
		{"b", 1},
		{"a", 2},
		{"1", 3},
		{"0", 4},
		{"4294967295", 5},
		{"4294967294", 6},
		{"01", 7},
		{"-1", 8},
	}
	const want = `{"0":4,"1":3,"4294967294":6,"b":1,"a":2,"4294967295":5,"01":7,"-1":8}`
	if got := mustMarshal(t, o); got != want {
		t.Errorf("Object: got %s\nwant %s", got, want)
	}
	m := map[string]any{"b": 1, "a": 2, "10": 3, "9": 4, "z": map[string]string{"y": "1", "x": "2"}}
	if got, want := mustMarshal(t, m), `{"9":4,"10":3,"a":2,"b":1,"z":{"x":"2","y":"1"}}`; got != want {
		t.Errorf("map: got %s, want %s", got, want)
	}
	dup := Object{{"a", 1}, {"b", 2}, {"a", 3}}
	if got, want := mustMarshal(t, dup), `{"a":3,"b":2}`; got != want {
		t.Errorf("duplicate keys: got %s, want %s", got, want)
	}
}

func TestMarshalValues(t *testing.T) {
	type caller struct {
		Name string `json:"name"`
		Age  int    `json:"age,omitempty"`
		Tags []string
	}
	tests := []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{true, "true"},
		{[]any{}, "[]"},
		{Object{}, "{}"},
		{Object(nil), "{}"},
		{(*Object)(nil), "null"},
		{&Object{{"k", "v"}}, `{"k":"v"}`},
		{[]any{1, "a", nil, false, []any{Object{{"x", []string{"y"}}}}}, `[1,"a",null,false,[{"x":["y"]}]]`},
		{json.RawMessage(`{ "b" : 1.0, "a" : "<" }`), `{"b":1,"a":"<"}`},
		{caller{Name: "A&B <x>", Tags: []string{"v"}}, `{"name":"A&B <x>","Tags":["v"]}`},
		{map[string]int{"2": 1, "b": 2}, `{"2":1,"b":2}`},
		{[]Object{{{"a", 1}}}, `[{"a":1}]`},
	}
	for _, tt := range tests {
		if got := mustMarshal(t, tt.in); got != tt.want {
			t.Errorf("Marshal(%#v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if _, err := Marshal(make(chan int)); err == nil {
		t.Error("Marshal(chan) succeeded")
	}
	cyclic := []any{nil}
	cyclic[0] = cyclic
	if _, err := Marshal(cyclic); err == nil {
		t.Error("Marshal of a cyclic value succeeded")
	}
}

func TestMarshalIndent(t *testing.T) {
	v := Object{{"a", []any{1, Object{}, []any{}}}, {"b", Object{{"c", "d"}}}}
	const want = "{\n  \"a\": [\n    1,\n    {},\n    []\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  }\n}"
	got, err := MarshalIndent(v, "  ")
	if err != nil || string(got) != want {
		t.Fatalf("MarshalIndent = %q, %v\nwant %q", got, err, want)
	}
}

func TestObjectJSONInterfaces(t *testing.T) {
	var o Object
	if err := json.Unmarshal([]byte(`{"z":1,"a":{"y":2,"b":3}}`), &o); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.Keys(), ","); got != "z,a" {
		t.Errorf("keys = %s, want z,a", got)
	}
	b, err := json.Marshal(struct{ O Object }{o})
	if err != nil || string(b) != `{"O":{"z":1,"a":{"y":2,"b":3}}}` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &o); err == nil {
		t.Error("UnmarshalJSON accepted an array")
	}
}

func TestObjectHelpers(t *testing.T) {
	o := Object{{"a", 1}}
	o.Set("b", "two")
	o.Set("a", 3)
	if got := mustMarshal(t, o); got != `{"a":3,"b":"two"}` {
		t.Errorf("after Set: %s", got)
	}
	if v, ok := o.Get("a"); !ok || v != 3 {
		t.Errorf("Get(a) = %v, %v", v, ok)
	}
	if _, ok := o.Get("zz"); ok {
		t.Error("Get(zz) found a missing key")
	}
	if s, ok := o.GetString("b"); !ok || s != "two" {
		t.Errorf("GetString(b) = %q, %v", s, ok)
	}
	if _, ok := o.GetString("a"); ok {
		t.Error("GetString on a number succeeded")
	}
	if !o.Delete("a") || o.Delete("a") {
		t.Error("Delete reported the wrong presence")
	}
	if got := mustMarshal(t, o); got != `{"b":"two"}` {
		t.Errorf("after Delete: %s", got)
	}

	nested := Object{{"n", Object{{"x", 1}}}, {"l", []any{Object{{"y", 2}}}}, {"m", map[string]any{"b": 1, "a": 2}}}
	c := nested.Clone()
	inner := c[0].Value.(Object)
	inner.Set("x", 99)
	c[1].Value.([]any)[0].(Object)[0].Value = 98
	if got := mustMarshal(t, nested); got != `{"n":{"x":1},"l":[{"y":2}],"m":{"a":2,"b":1}}` {
		t.Errorf("Clone shares state with the original: %s", got)
	}
	if _, ok := c[2].Value.(Object); !ok {
		t.Errorf("Clone kept a map: %T", c[2].Value)
	}
}

func TestParseJSON(t *testing.T) {
	v, err := ParseJSON([]byte(" \t\r\n{\"z\":1,\"a\":[true,false,null,\"s\",-1.5e3,{}],\"k\":{\"b\":\"\\u00e9\\n\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Object{
		{"z", json.Number("1")},
		{"a", []any{true, false, nil, "s", json.Number("-1.5e3"), Object{}}},
		{"k", Object{{"b", "é\n"}}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("ParseJSON = %#v\nwant %#v", v, want)
	}
}

func TestParseJSONSemantics(t *testing.T) {
	tests := []struct{ in, canonical string }{
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},       // duplicate: first position, last value
		{`{"b":1,"2":2,"1":3}`, `{"1":3,"2":2,"b":1}`}, // index keys first
		{`"\ud83d\ude00"`, `"😀"`},                      // surrogate pair escape
		{`"\ud800"`, `"\ud800"`},                       // lone surrogate survives
		{`"\udc00\ud800"`, `"\udc00\ud800"`},           // reversed pair is two lone halves
		{`"\ud83dx"`, `"\ud83dx"`},                     // high then ASCII
		{`"\ud83d\u0041"`, `"\ud83dA"`},                // high then a non-surrogate escape
		{`"\/\u0041\u00E9"`, `"/Aé"`},                  // escapes, upper-case hex
		{"\xef\xbb\xbf{\"a\":1}", `{"a":1}`},           // byte order mark skipped
		{"\"a\xffb\"", "\"a\uFFFDb\""},                 // invalid UTF-8 replaced
		{"\"\xf0\x9f\x98\"", "\"\uFFFD\""},             // truncated 4-byte sequence: one U+FFFD
		{"\"\xed\xa0\x80\"", "\"\uFFFD\uFFFD\uFFFD\""}, // raw surrogate bytes are invalid UTF-8
		{`[1E2,-0,0.5e-7,1e21]`, `[100,0,5e-8,1e+21]`}, // numbers as doubles
		{`{"__proto__":1}`, `{"__proto__":1}`},         // plain key for JSON.parse
		{`{"":{"":[]}}`, `{"":{"":[]}}`},               // empty keys
		{`"<script>&\u2028"`, "\"<script>&\u2028\""},   // nothing HTML-escaped
		{`"\u001B"`, `"\u001b"`},                       // escapes are lower-case hex
		{`123`, `123`},
		{`null`, `null`},
	}
	for _, tt := range tests {
		got, err := Canonical([]byte(tt.in))
		if err != nil || string(got) != tt.canonical {
			t.Errorf("Canonical(%q) = %q, %v; want %q", tt.in, got, err, tt.canonical)
		}
	}
}

func TestParseJSONManyDuplicateKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + string(rune('a'+i%26)) + `":` + strings.Repeat("1", 1+i%3))
	}
	b.WriteString("}")
	v, err := ParseJSON([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(Object)
	if len(o) != 26 || o[0].Key != "ka" || o[25].Key != "kz" {
		t.Fatalf("got %d keys, first %q", len(o), o[0].Key)
	}
	// Member 99 sets "kv" (99 % 26 = 21) to "1" (99 % 3 = 0 → one digit).
	if v, _ := o.Get("kv"); v != json.Number("1") {
		t.Errorf("kv = %v, want the last value 1", v)
	}
}

func TestParseJSONErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `{"a":1} {}`,
		`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `NaN`, `Infinity`, `tru`, `nul`, `'a'`,
		`"a`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"\n\"", `[1 2]`, `{"a":}`, "\x00",
		`{"a":1,"b"}`, `[`, `"\`,
	} {
		if v, err := ParseJSON([]byte(in)); err == nil {
			t.Errorf("ParseJSON(%q) = %#v, want an error", in, v)
		} else {
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "invalid JSON at offset ") {
				t.Errorf("ParseJSON(%q) error = %v, want a *SyntaxError", in, err)
			}
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := ParseJSON([]byte(deep)); err == nil {
		t.Error("ParseJSON accepted nesting beyond maxDepth")
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if _, err := ParseJSON([]byte(ok)); err != nil {
		t.Errorf("ParseJSON(100 nested arrays): %v", err)
	}
}

func TestAppendHelpers(t *testing.T) {
	b := AppendString([]byte("x="), "a\"b")
	b = AppendNumber(append(b, ','), 1e21)
	if got := string(b); got != `x="a\"b",1e+21` {
		t.Errorf("got %s", got)
	}
	b, err := AppendMarshal([]byte("["), Object{{"a", 1}})
	if err != nil || string(b) != `[{"a":1}` {
		t.Errorf("AppendMarshal = %s, %v", b, err)
	}
}

func BenchmarkParseMarshal(b *testing.B) {
	body := []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"abc123","status":"ended","to":"+14155551234","from":"+14155559999","duration":45}}`)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		v, err := ParseJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		if buf, err = AppendMarshal(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Equal(buf, body) {
		b.Fatalf("round trip changed the body: %s", buf)
	}
}

// FuzzMarshalRoundTrip checks that ParseJSON never panics, that Marshal of
// what it returns is stable (a second pass changes nothing) and that it
// agrees with encoding/json on which inputs are valid JSON (apart from a
// leading byte order mark, invalid UTF-8 and nesting depth, which we treat
// like Node does).
func FuzzMarshalRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"abc123","duration":45}}`,
		`{"b":1,"a":2,"1":3,"a":4}`, `[1e400,-0,0.1,1e21,1e-7]`, `"\ud800\udc00\ud800"`,
		"\"\xff\xe2\x82\"", "\xef\xbb\xbf[]", `{"x":{"y":[null,true,"<&>"]}}`, `12345678901234567890`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseJSON(data)
		if stdValid := json.Valid(data); err == nil && !stdValid {
			if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
				t.Fatalf("ParseJSON accepted %q, which encoding/json rejects", data)
			}
		} else if err != nil && stdValid && !strings.Contains(err.Error(), "nesting") {
			t.Fatalf("ParseJSON rejected valid JSON %q: %v", data, err)
		}
		if err != nil {
			return
		}
		once, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(ParseJSON(%q)): %v", data, err)
		}
		if !json.Valid(once) {
			t.Fatalf("Marshal produced invalid JSON %q", once)
		}
		twice, err := Canonical(once)
		if err != nil {
			t.Fatalf("ParseJSON(Marshal(...)) = %v for %q", err, once)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
	})
}
