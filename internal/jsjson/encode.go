package jsjson

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Canonical returns JSON.stringify(JSON.parse(body)): the bytes a handler
// written from ErzyCall's documentation computes its HMAC over.
func Canonical(body []byte) ([]byte, error) {
	v, err := Parse(body)
	if err != nil {
		return nil, err
	}
	return Marshal(v)
}

// Marshal encodes v as JavaScript's JSON.stringify would encode the value
// JSON.parse makes of it. It handles Object, map[string]any,
// map[string]string, []any, []string, []Object, string, bool, nil,
// json.Number, json.RawMessage, floats and integers directly; any other value
// goes through encoding/json first. Object keys that are canonical array
// indexes ("0" to "4294967294") come first in ascending numeric order, then
// the others in insertion order (for Go maps, in lexical order). Numbers are
// formatted like JavaScript's Number#toString after conversion to float64
// (so integers above 2^53 lose precision exactly as in JavaScript);
// NaN and infinities become null.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(nil, v)
}

// AppendMarshal appends the Marshal encoding of v to dst.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	e := encoder{}
	return e.value(dst, v, 0)
}

// MaxIndentDepth is how many levels of objects and arrays a value may nest
// and still be indented by Pretty.
const MaxIndentDepth = 32

// prettyGrowth bounds Pretty's output: at most prettyGrowth times the size
// of the JSON text, plus prettySlack bytes.
const (
	prettyGrowth = 8
	prettySlack  = 4 << 10
)

// errTooLong stops an indented encoding that passed its limit.
var errTooLong = errors.New("jsjson: indented form too long")

// Pretty is JSON.stringify(v, null, indent) for showing a value to people,
// bounded whatever the input: indentation grows with the square of the
// nesting depth, so a value nested deeper than MaxIndentDepth levels, or
// whose indented form would pass 8 times size (the length of the JSON text v
// was parsed from) plus 4 KiB, is written compact instead, as Marshal writes
// it. The indented form is never built past that bound.
func Pretty(v any, indent string, size int) ([]byte, error) {
	if indent == "" || NestedDeeper(v, MaxIndentDepth) {
		return Marshal(v)
	}
	e := encoder{indent: indent, limit: prettyGrowth*max(size, 0) + prettySlack}
	b, err := e.value(nil, v, 0)
	if errors.Is(err, errTooLong) {
		return Marshal(v)
	}
	return b, err
}

// NestedDeeper reports whether v nests more than limit levels of objects
// and arrays ({} is one level, {"a":[]} two). It knows the values Parse
// makes (Object, []any).
func NestedDeeper(v any, limit int) bool {
	switch v := v.(type) {
	case Object:
		if limit == 0 {
			return true
		}
		for _, m := range v {
			if NestedDeeper(m.Value, limit-1) {
				return true
			}
		}
	case []any:
		if limit == 0 {
			return true
		}
		for _, e := range v {
			if NestedDeeper(e, limit-1) {
				return true
			}
		}
	}
	return false
}

type encoder struct {
	indent string
	limit  int // > 0: give up with errTooLong once the output passes it
}

func (e *encoder) newline(b []byte, depth int) []byte {
	if e.indent == "" {
		return b
	}
	b = append(b, '\n')
	for range depth {
		b = append(b, e.indent...)
	}
	return b
}

func (e *encoder) value(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, fmt.Errorf("jsjson: value nested deeper than %d (a cycle?)", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return b, fmt.Errorf("jsjson: invalid number %q", string(v))
		}
		return AppendNumber(b, f), nil
	case float64:
		return AppendNumber(b, v), nil
	case float32:
		return AppendNumber(b, float64(v)), nil
	case int:
		return AppendNumber(b, float64(v)), nil
	case int8:
		return AppendNumber(b, float64(v)), nil
	case int16:
		return AppendNumber(b, float64(v)), nil
	case int32:
		return AppendNumber(b, float64(v)), nil
	case int64:
		return AppendNumber(b, float64(v)), nil
	case uint:
		return AppendNumber(b, float64(v)), nil
	case uint8:
		return AppendNumber(b, float64(v)), nil
	case uint16:
		return AppendNumber(b, float64(v)), nil
	case uint32:
		return AppendNumber(b, float64(v)), nil
	case uint64:
		return AppendNumber(b, float64(v)), nil
	case Object:
		return e.object(b, v, depth)
	case *Object:
		if v == nil {
			return append(b, "null"...), nil
		}
		return e.object(b, *v, depth)
	case map[string]any:
		keys := jsMapKeys(v)
		return e.members(b, len(keys), func(i int) (string, any) { return keys[i], v[keys[i]] }, depth)
	case map[string]string:
		keys := jsMapKeys(v)
		return e.members(b, len(keys), func(i int) (string, any) { return keys[i], v[keys[i]] }, depth)
	case []any:
		return e.array(b, len(v), func(i int) any { return v[i] }, depth)
	case []string:
		return e.array(b, len(v), func(i int) any { return v[i] }, depth)
	case []Object:
		return e.array(b, len(v), func(i int) any { return v[i] }, depth)
	case json.RawMessage:
		x, err := Parse(v)
		if err != nil {
			return b, fmt.Errorf("jsjson: invalid json.RawMessage: %w", err)
		}
		return e.value(b, x, depth)
	}
	// Structs, typed maps and slices, json.Marshalers: let encoding/json
	// decide the shape, then re-encode with JavaScript's rules.
	raw, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("jsjson: encode %T: %w", v, err)
	}
	x, err := Parse(raw)
	if err != nil {
		return b, fmt.Errorf("jsjson: encode %T: %w", v, err)
	}
	return e.value(b, x, depth)
}

func (e *encoder) array(b []byte, n int, at func(int) any, depth int) ([]byte, error) {
	if n == 0 {
		return append(b, "[]"...), nil
	}
	b = append(b, '[')
	var err error
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if b = e.newline(b, depth+1); e.limit > 0 && len(b) > e.limit {
			return b, errTooLong
		}
		if b, err = e.value(b, at(i), depth+1); err != nil {
			return b, err
		}
	}
	b = e.newline(b, depth)
	return append(b, ']'), nil
}

func (e *encoder) object(b []byte, o Object, depth int) ([]byte, error) {
	if hasDuplicateKeys(o) {
		o = dedupe(o)
	}
	if !hasIndexKey(o) {
		return e.members(b, len(o), func(i int) (string, any) { return o[i].Key, o[i].Value }, depth)
	}
	order := jsObjectOrder(o)
	return e.members(b, len(order), func(i int) (string, any) { m := o[order[i]]; return m.Key, m.Value }, depth)
}

func (e *encoder) members(b []byte, n int, at func(int) (string, any), depth int) ([]byte, error) {
	if n == 0 {
		return append(b, "{}"...), nil
	}
	b = append(b, '{')
	var err error
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if b = e.newline(b, depth+1); e.limit > 0 && len(b) > e.limit {
			return b, errTooLong
		}
		k, v := at(i)
		b = AppendString(b, k)
		b = append(b, ':')
		if e.indent != "" {
			b = append(b, ' ')
		}
		if b, err = e.value(b, v, depth+1); err != nil {
			return b, err
		}
	}
	b = e.newline(b, depth)
	return append(b, '}'), nil
}

// arrayIndex reports whether key is a canonical array index (ECMA-262: the
// canonical decimal form of an integer below 2^32-1) and returns it.
func arrayIndex(key string) (uint32, bool) {
	if key == "" || len(key) > 10 || (key[0] == '0' && len(key) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n >= math.MaxUint32 {
		return 0, false
	}
	return uint32(n), true
}

func hasIndexKey(o Object) bool {
	for i := range o {
		if k := o[i].Key; k != "" && k[0] >= '0' && k[0] <= '9' {
			if _, ok := arrayIndex(k); ok {
				return true
			}
		}
	}
	return false
}

// jsObjectOrder returns the positions of o's members in JavaScript property
// order: integer indexes ascending, then the rest in insertion order.
func jsObjectOrder(o Object) []int {
	type idx struct {
		n   uint32
		pos int
	}
	var ints []idx
	var rest []int
	for i := range o {
		if n, ok := arrayIndex(o[i].Key); ok {
			ints = append(ints, idx{n, i})
		} else {
			rest = append(rest, i)
		}
	}
	slices.SortFunc(ints, func(a, b idx) int { return cmp.Compare(a.n, b.n) })
	order := make([]int, 0, len(o))
	for _, x := range ints {
		order = append(order, x.pos)
	}
	return append(order, rest...)
}

// jsMapKeys orders a Go map's keys as JavaScript would order an object built
// from them in lexical order: integer indexes ascending, then the rest sorted.
func jsMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		na, ia := arrayIndex(a)
		nb, ib := arrayIndex(b)
		switch {
		case ia && ib:
			return cmp.Compare(na, nb)
		case ia:
			return -1
		case ib:
			return 1
		}
		return cmp.Compare(a, b)
	})
	return keys
}

func hasDuplicateKeys(o Object) bool {
	if len(o) <= 16 {
		for i := 1; i < len(o); i++ {
			for j := range i {
				if o[i].Key == o[j].Key {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(o))
	for _, m := range o {
		if _, ok := seen[m.Key]; ok {
			return true
		}
		seen[m.Key] = struct{}{}
	}
	return false
}

// dedupe keeps each key at its first position with its last value.
func dedupe(o Object) Object {
	pos := make(map[string]int, len(o))
	out := make(Object, 0, len(o))
	for _, m := range o {
		if i, ok := pos[m.Key]; ok {
			out[i].Value = m.Value
			continue
		}
		pos[m.Key] = len(out)
		out = append(out, m)
	}
	return out
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON.stringify string literal: only '"', '\\'
// and characters below U+0020 are escaped (the usual short forms where they
// exist), lone surrogates become \udxxx, and everything else is raw UTF-8.
// Bytes that are not UTF-8 become U+FFFD, as Node would have decoded them.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			if k := strings.IndexByte(escapedBytes, c); k >= 0 {
				b = append(b, '\\', escapeLetters[k])
			} else {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || size > 1 {
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		if hi, ok := decodeSurrogate(s[i:]); ok {
			if lo, ok := decodeSurrogate(s[i+3:]); ok && isHighSurrogate(hi) && isLowSurrogate(lo) {
				// A pair split across WTF-8 halves is one character in JavaScript.
				b = utf8.AppendRune(b, 0x10000+(hi-0xD800)<<10+(lo-0xDC00))
				i += 6
			} else {
				b = append(b, '\\', 'u', hexDigits[hi>>12], hexDigits[hi>>8&0xF], hexDigits[hi>>4&0xF], hexDigits[hi&0xF])
				i += 3
			}
		} else {
			b = append(b, "\uFFFD"...)
			i += maximalSubpart(s[i:])
		}
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendNumber appends f as JSON.stringify writes a number: null for NaN and
// the infinities, 0 for -0, and otherwise ECMAScript's Number#toString. That
// is strconv's shortest round-trip digits (the same digits JavaScript picks),
// in fixed notation for 1e-6 <= |f| < 1e21 and in exponent notation outside,
// with the exponent written as JavaScript writes it. The node test in this
// package checks it on a million random doubles and every edge it knows.
func AppendNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return append(b, "null"...)
	case f == 0:
		return append(b, '0') // also -0
	}
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// strconv writes at least two exponent digits: 1e-07 is 1e-7 in JavaScript.
	if n := len(b); b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}
