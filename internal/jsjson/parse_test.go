package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	v, err := Parse([]byte(" \t\r\n{\"z\":1,\"a\":[true,false,null,\"s\",-1.5e3,{}],\"k\":{\"b\":\"\\u00e9\\n\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Object{
		{"z", json.Number("1")},
		{"a", []any{true, false, nil, "s", json.Number("-1.5e3"), Object{}}},
		{"k", Object{{"b", "é\n"}}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("Parse = %#v\nwant %#v", v, want)
	}
}

func TestParseSemantics(t *testing.T) {
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

func TestParseManyDuplicateKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + string(rune('a'+i%26)) + `":` + strings.Repeat("1", 1+i%3))
	}
	b.WriteString("}")
	v, err := Parse([]byte(b.String()))
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

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1}x`, `{"a":1} {}`,
		`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `NaN`, `Infinity`, `tru`, `nul`, `'a'`,
		`"a`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\tb\"", "\"\n\"", `[1 2]`, `{"a":}`, "\x00",
		`{"a":1,"b"}`, `[`, `"\`,
	} {
		if v, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q) = %#v, want an error", in, v)
		} else {
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "invalid JSON at offset ") {
				t.Errorf("Parse(%q) error = %v, want a *SyntaxError", in, err)
			}
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if _, err := Parse([]byte(deep)); err == nil {
		t.Error("Parse accepted nesting beyond maxDepth")
	}
	ok := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	if _, err := Parse([]byte(ok)); err != nil {
		t.Errorf("Parse(100 nested arrays): %v", err)
	}
}

func FuzzMarshalRoundTrip(f *testing.F) {
	for _, s := range []string{
		`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"abc123","duration":45}}`,
		`{"b":1,"a":2,"1":3,"a":4}`, `[1e400,-0,0.1,1e21,1e-7]`, `"\ud800\udc00\ud800"`,
		"\"\xff\xe2\x82\"", "\xef\xbb\xbf[]", `{"x":{"y":[null,true,"<&>"]}}`, `12345678901234567890`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if stdValid := json.Valid(data); err == nil && !stdValid {
			if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
				t.Fatalf("Parse accepted %q, which encoding/json rejects", data)
			}
		} else if err != nil && stdValid && !strings.Contains(err.Error(), "nesting") {
			t.Fatalf("Parse rejected valid JSON %q: %v", data, err)
		}
		if err != nil {
			return
		}
		once, err := Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Parse(%q)): %v", data, err)
		}
		if !json.Valid(once) {
			t.Fatalf("Marshal produced invalid JSON %q", once)
		}
		twice, err := Canonical(once)
		if err != nil {
			t.Fatalf("Parse(Marshal(...)) = %v for %q", err, once)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
	})
}
