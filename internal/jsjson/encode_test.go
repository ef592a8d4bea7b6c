package jsjson

import (
	"bytes"
	"encoding/json"
	"math"
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
		// Lone surrogates (WTF-8, as Parse keeps them) are escaped.
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

func TestPretty(t *testing.T) {
	v := Object{{"a", []any{1, Object{}, []any{}}}, {"b", Object{{"c", "d"}}}}
	const want = "{\n  \"a\": [\n    1,\n    {},\n    []\n  ],\n  \"b\": {\n    \"c\": \"d\"\n  }\n}"
	got, err := Pretty(v, "  ", 30)
	if err != nil || string(got) != want {
		t.Fatalf("Pretty = %q, %v\nwant %q", got, err, want)
	}

	// Indenting these would grow with the square of their depth: they are
	// written compact, whole.
	for name, body := range map[string]string{
		// The reviewer's body: 20 KB that indented made ~200 MB.
		"deep":               `{"event":"call.ended","a":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `}`,
		"one level too deep": strings.Repeat("[", MaxIndentDepth+1) + strings.Repeat("]", MaxIndentDepth+1),
		// Shallow enough, but each short element would get 60 bytes of indentation.
		"wide and deep": strings.Repeat("[", MaxIndentDepth-1) + "[" + strings.Repeat("1,", 20000) + "1]" + strings.Repeat("]", MaxIndentDepth-1),
	} {
		v, err := Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Pretty(v, "  ", len(body))
		if err != nil || string(got) != body {
			t.Errorf("%s: Pretty gave %d bytes, %v: want the compact form (%d bytes)", name, len(got), err, len(body))
		}
	}
	// As deep as allowed, and not wide: indented.
	body := strings.Repeat("[", MaxIndentDepth) + strings.Repeat("]", MaxIndentDepth)
	w, _ := Parse([]byte(body))
	if got, err := Pretty(w, "  ", len(body)); err != nil || !strings.Contains(string(got), "\n"+strings.Repeat("  ", MaxIndentDepth-1)+"[]") {
		t.Errorf("Pretty of %d levels = %q, %v: want it indented", MaxIndentDepth, got, err)
	}
}

func TestNestedDeeper(t *testing.T) {
	two := Object{{Key: "a", Value: []any{}}}
	for _, tc := range []struct {
		v     any
		limit int
		want  bool
	}{
		{two, 2, false}, {two, 1, true}, {"x", 0, false}, {Object{}, 0, true}, {[]any{1, []any{}}, 1, true}, {[]any{1, 2}, 1, false},
	} {
		if got := NestedDeeper(tc.v, tc.limit); got != tc.want {
			t.Errorf("NestedDeeper(%v, %d) = %v, want %v", tc.v, tc.limit, got, tc.want)
		}
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
		v, err := Parse(body)
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
