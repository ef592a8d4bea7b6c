package webhook

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The documented Node handler verifies JSON.stringify(JSON.parse(body)), so
// everything we sign must be byte-equal to what JSON.stringify produces. This
// file is a small JSON codec with exactly JavaScript's semantics:
//
//   - ParseJSON behaves like Express's JSON body parser followed by JSON.parse
//     (invalid UTF-8 becomes U+FFFD, duplicate keys keep the first position and
//     the last value, numbers become IEEE doubles when encoded).
//   - Marshal behaves like JSON.stringify (key order, number formatting,
//     escaping of control characters only).
//
// Strings from ParseJSON may hold lone surrogates (from "\ud800" escapes),
// which JavaScript allows. They are kept in the Go string as their generalized
// UTF-8 (WTF-8) bytes, so that Marshal writes them back as "\ud800", as
// JSON.stringify does.

// maxDepth bounds nesting in ParseJSON and Marshal, so hostile input cannot
// exhaust memory through recursion.
const maxDepth = 10000

// Member is one key/value pair of an Object.
type Member struct {
	Key   string
	Value any
}

// Object is a JSON object that keeps its keys in insertion order, as a
// JavaScript object does. Keys are expected to be unique (Set keeps them so);
// when a literal repeats a key, Marshal keeps the first position and the last
// value, like JSON.parse.
type Object []Member

// Index returns the position of key, or -1.
func (o Object) Index(key string) int {
	for i := range o {
		if o[i].Key == key {
			return i
		}
	}
	return -1
}

// Get returns the value of key.
func (o Object) Get(key string) (any, bool) {
	if i := o.Index(key); i >= 0 {
		return o[i].Value, true
	}
	return nil, false
}

// GetString returns the value of key when it is a string.
func (o Object) GetString(key string) (string, bool) {
	v, _ := o.Get(key)
	s, ok := v.(string)
	return s, ok
}

// Set replaces the value of key in place, or appends key when it is new.
func (o *Object) Set(key string, value any) {
	if i := o.Index(key); i >= 0 {
		(*o)[i].Value = value
		return
	}
	*o = append(*o, Member{key, value})
}

// Delete removes key and reports whether it was present.
func (o *Object) Delete(key string) bool {
	i := o.Index(key)
	if i < 0 {
		return false
	}
	*o = slices.Delete(*o, i, i+1)
	return true
}

// Keys returns the keys in insertion order.
func (o Object) Keys() []string {
	keys := make([]string, len(o))
	for i, m := range o {
		keys[i] = m.Key
	}
	return keys
}

// Clone returns a deep copy: nested Objects, maps and slices are copied, and
// map[string]any values become Objects in JavaScript key order (which encodes
// identically).
func (o Object) Clone() Object {
	if o == nil {
		return nil
	}
	out := make(Object, len(o))
	for i, m := range o {
		out[i] = Member{m.Key, cloneValue(m.Value)}
	}
	return out
}

func cloneValue(v any) any {
	switch v := v.(type) {
	case Object:
		return v.Clone()
	case *Object:
		if v == nil {
			return nil
		}
		return v.Clone()
	case map[string]any:
		keys := jsMapKeys(v)
		out := make(Object, len(keys))
		for i, k := range keys {
			out[i] = Member{k, cloneValue(v[k])}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// MarshalJSON encodes o with Marshal, so encoding/json users get the same
// key order.
func (o Object) MarshalJSON() ([]byte, error) { return Marshal(o) }

// UnmarshalJSON decodes a JSON object with ParseJSON, keeping key order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := ParseJSON(data)
	if err != nil {
		return err
	}
	obj, ok := v.(Object)
	if !ok {
		return errors.New("webhook: JSON value is not an object")
	}
	*o = obj
	return nil
}

// SyntaxError is a ParseJSON error with the byte offset where it occurred.
type SyntaxError struct {
	Offset int // in the input after invalid UTF-8 was replaced
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.msg)
}

// ParseJSON decodes one JSON value as Express's JSON body parser and
// JSON.parse would: objects become Object (key order kept; a repeated key
// keeps its first position and takes the last value), arrays []any, numbers
// json.Number (the literal), strings string, true/false bool, null nil.
// Invalid UTF-8 is replaced with U+FFFD per the WHATWG decoder, and a leading
// byte order mark is skipped. Trailing data after the value is an error.
func ParseJSON(data []byte) (any, error) {
	if !utf8.Valid(data) {
		data = toWellFormed(data)
	}
	// One copy of the input as a string: unescaped strings and numbers are
	// substrings of it instead of one allocation each.
	p := parser{data: data, src: string(data)}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.data) {
		return nil, p.errorf("unexpected %s after the value", p.describe())
	}
	return v, nil
}

// Canonical returns JSON.stringify(JSON.parse(body)): the bytes a handler
// written from the documentation computes its HMAC over.
func Canonical(body []byte) ([]byte, error) {
	v, err := ParseJSON(body)
	if err != nil {
		return nil, err
	}
	return Marshal(v)
}

type parser struct {
	data []byte
	src  string // data as a string
	pos  int
	buf  []byte // scratch for strings with escapes
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, msg: fmt.Sprintf(format, args...)}
}

func (p *parser) describe() string {
	if p.pos >= len(p.data) {
		return "end of input"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	return fmt.Sprintf("character %q", r)
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", true)
	case c == 'f':
		return p.literal("false", false)
	case c == 'n':
		return p.literal("null", nil)
	}
	return nil, p.errorf("unexpected %s", p.describe())
}

func (p *parser) literal(word string, v any) (any, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, p.errorf("unexpected %s", p.describe())
	}
	p.pos += len(word)
	return v, nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d", maxDepth)
	}
	p.pos++                   // '{'
	obj := make(Object, 0, 8) // one allocation for a typical payload object
	var index map[string]int  // built once the object is large, to keep duplicates O(1)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.errorf("unexpected %s, want a string key", p.describe())
		}
		key, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.errorf("unexpected %s, want ':'", p.describe())
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		i := -1
		if index != nil {
			if j, ok := index[key]; ok {
				i = j
			}
		} else {
			i = obj.Index(key)
		}
		if i >= 0 {
			obj[i].Value = v
		} else {
			obj = append(obj, Member{key, v})
			if index != nil {
				index[key] = len(obj) - 1
			} else if len(obj) > 16 {
				index = make(map[string]int, 2*len(obj))
				for j, m := range obj {
					index[m.Key] = j
				}
			}
		}
		done, err := p.next('}')
		if err != nil {
			return nil, err
		}
		if done {
			return obj, nil
		}
	}
}

// next consumes what follows a member or element: ',' (more to come) or
// closing (done).
func (p *parser) next(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, p.errorf("unexpected end of input, want ',' or '%c'", closing)
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, p.errorf("unexpected %s, want ',' or '%c'", p.describe(), closing)
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxDepth {
		return nil, p.errorf("nesting deeper than %d", maxDepth)
	}
	p.pos++ // '['
	arr := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return arr, nil
	}
	for {
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		done, err := p.next(']')
		if err != nil {
			return nil, err
		}
		if done {
			return arr, nil
		}
	}
}

func (p *parser) number() (any, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		p.pos = i
		return nil, p.errorf("unexpected %s in a number", p.describe())
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			return nil, p.errorf("unexpected %s, want a digit after '.'", p.describe())
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			p.pos = i
			return nil, p.errorf("unexpected %s, want a digit in the exponent", p.describe())
		}
	}
	p.pos = i
	return json.Number(p.src[start:i]), nil
}

// commonKeys are the keys of documented payloads: looked up without
// allocating, so parsing a delivery does not allocate its keys.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"event", "timestamp", "data", "id", "status", "to", "from", "duration", "startedAt", "endedAt",
		"reason", "error", "scheduledAt", "cancelledAt", "name", "email", "phone", "createdAt", "updatedAt", "deletedAt",
	} {
		m[k] = k
	}
	return m
}()

// key is str for object keys, interning the common ones.
func (p *parser) key() (string, error) {
	d := p.data
	for i := p.pos + 1; i < len(d) && i-p.pos < 16; i++ {
		if c := d[i]; c == '"' {
			if k, ok := commonKeys[string(d[p.pos+1:i])]; ok {
				p.pos = i + 1
				return k, nil
			}
			break
		} else if c == '\\' || c < 0x20 {
			break
		}
	}
	return p.str()
}

func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	d := p.data
	// Fast path: no escapes.
	for i := start; i < len(d); i++ {
		c := d[i]
		if c == '"' {
			p.pos = i + 1
			return p.src[start:i], nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	b := p.buf[:0]
	i := start
	for {
		if i >= len(d) {
			p.pos = i
			return "", p.errorf("unterminated string")
		}
		c := d[i]
		switch {
		case c == '"':
			p.pos = i + 1
			p.buf = b
			return string(b), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("control character %q in a string: escape it", rune(c))
		case c != '\\':
			b = append(b, c)
			i++
			continue
		}
		i++ // backslash
		if i >= len(d) {
			p.pos = i
			return "", p.errorf("unterminated string")
		}
		switch e := d[i]; e {
		case '"', '\\', '/':
			b = append(b, e)
			i++
		case 'b':
			b = append(b, '\b')
			i++
		case 'f':
			b = append(b, '\f')
			i++
		case 'n':
			b = append(b, '\n')
			i++
		case 'r':
			b = append(b, '\r')
			i++
		case 't':
			b = append(b, '\t')
			i++
		case 'u':
			r, ok := hex4(d, i+1)
			if !ok {
				p.pos = i
				return "", p.errorf("invalid \\u escape")
			}
			i += 5
			if isHighSurrogate(r) && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
				if lo, ok := hex4(d, i+2); ok && isLowSurrogate(lo) {
					b = utf8.AppendRune(b, 0x10000+(r-0xD800)<<10+(lo-0xDC00))
					i += 6
					continue
				}
			}
			b = appendWTF8(b, r)
		default:
			p.pos = i
			return "", p.errorf("invalid escape %q", "\\"+string(rune(e)))
		}
	}
}

func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		v, ok := fromHex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

func isHighSurrogate(r rune) bool { return 0xD800 <= r && r <= 0xDBFF }
func isLowSurrogate(r rune) bool  { return 0xDC00 <= r && r <= 0xDFFF }

// appendWTF8 is utf8.AppendRune that also encodes surrogates (as WTF-8).
func appendWTF8(b []byte, r rune) []byte {
	if 0xD800 <= r && r <= 0xDFFF {
		//nolint:gosec // r is 0xD800-0xDFFF here: each masked part fits in a byte
		return append(b, 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F)
	}
	return utf8.AppendRune(b, r)
}

// decodeSurrogate returns the surrogate encoded as WTF-8 at the start of s.
func decodeSurrogate(s string) (rune, bool) {
	if len(s) >= 3 && s[0] == 0xED && 0xA0 <= s[1] && s[1] <= 0xBF && 0x80 <= s[2] && s[2] <= 0xBF {
		return 0xD000 | rune(s[1]&0x3F)<<6 | rune(s[2]&0x3F), true
	}
	return 0, false
}

// toWellFormed replaces invalid UTF-8 with U+FFFD the way the WHATWG decoder
// (and so Node's Buffer#toString) does: one replacement per maximal subpart
// of an ill-formed sequence.
func toWellFormed(b []byte) []byte {
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			out = append(out, b[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			out = append(out, b[i:i+size]...)
			i += size
			continue
		}
		out = append(out, "\uFFFD"...)
		i += maximalSubpart(b[i:])
	}
	return out
}

// maximalSubpart returns the length of the ill-formed sequence at the start
// of b (which does not start with a valid character).
func maximalSubpart[T string | []byte](b T) int {
	c := b[0]
	need := 0
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F
	case 0xE1 <= c && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	default:
		return 1
	}
	i := 1
	for ; i <= need && i < len(b); i++ {
		if b[i] < lo || b[i] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return i
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

// MarshalIndent is JSON.stringify(v, null, indent).
func MarshalIndent(v any, indent string) ([]byte, error) {
	e := encoder{indent: indent}
	return e.value(nil, v, 0)
}

// AppendString appends s as a JSON.stringify string literal.
func AppendString(dst []byte, s string) []byte { return appendJSString(dst, s) }

// AppendNumber appends f formatted as JSON.stringify formats a number.
func AppendNumber(dst []byte, f float64) []byte { return appendJSNumber(dst, f) }

type encoder struct {
	indent string
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
		return b, fmt.Errorf("webhook: value nested deeper than %d (a cycle?)", maxDepth)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return b, fmt.Errorf("webhook: invalid number %q", string(v))
		}
		return appendJSNumber(b, f), nil
	case float64:
		return appendJSNumber(b, v), nil
	case float32:
		return appendJSNumber(b, float64(v)), nil
	case int:
		return appendJSNumber(b, float64(v)), nil
	case int8:
		return appendJSNumber(b, float64(v)), nil
	case int16:
		return appendJSNumber(b, float64(v)), nil
	case int32:
		return appendJSNumber(b, float64(v)), nil
	case int64:
		return appendJSNumber(b, float64(v)), nil
	case uint:
		return appendJSNumber(b, float64(v)), nil
	case uint8:
		return appendJSNumber(b, float64(v)), nil
	case uint16:
		return appendJSNumber(b, float64(v)), nil
	case uint32:
		return appendJSNumber(b, float64(v)), nil
	case uint64:
		return appendJSNumber(b, float64(v)), nil
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
		x, err := ParseJSON(v)
		if err != nil {
			return b, fmt.Errorf("webhook: invalid json.RawMessage: %w", err)
		}
		return e.value(b, x, depth)
	}
	// Structs, typed maps and slices, json.Marshalers: let encoding/json
	// decide the shape, then re-encode with JavaScript's rules.
	raw, err := json.Marshal(v)
	if err != nil {
		return b, fmt.Errorf("webhook: encode %T: %w", v, err)
	}
	x, err := ParseJSON(raw)
	if err != nil {
		return b, fmt.Errorf("webhook: encode %T: %w", v, err)
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
		b = e.newline(b, depth+1)
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
		b = e.newline(b, depth+1)
		k, v := at(i)
		b = appendJSString(b, k)
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
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
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

// appendJSString quotes s as JSON.stringify does: only '"', '\\' and
// characters below U+0020 are escaped (the usual short forms where they
// exist), lone surrogates become \udxxx, and everything else is raw UTF-8.
// Bytes that are not UTF-8 become U+FFFD, as Node would have decoded them.
func appendJSString(b []byte, s string) []byte {
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
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
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

// appendJSNumber formats f as ECMAScript's Number::toString (radix 10), which
// JSON.stringify uses for finite numbers.
func appendJSNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0') // also -0
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	// Shortest round-trip digits in the form d.ddddde±x.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	mant, exp := e, 0
	for i := range e {
		if e[i] == 'e' {
			mant = e[:i]
			neg := e[i+1] == '-'
			for _, c := range e[i+2:] {
				exp = exp*10 + int(c-'0')
			}
			if neg {
				exp = -exp
			}
			break
		}
	}
	var digits [24]byte
	k := 0
	for _, c := range mant {
		if c != '.' {
			digits[k] = c
			k++
		}
	}
	n := exp + 1 // the decimal point sits after n digits
	switch {
	case k <= n && n <= 21:
		b = append(b, digits[:k]...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, digits[:n]...)
		b = append(b, '.')
		b = append(b, digits[n:k]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, digits[:k]...)
	default:
		b = append(b, digits[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, digits[1:k]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}
