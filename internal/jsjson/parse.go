package jsjson

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError is a Parse error with the byte offset where it occurred.
type SyntaxError struct {
	Offset int // in the input after invalid UTF-8 was replaced
	msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at offset %d: %s", e.Offset, e.msg)
}

// Parse decodes one JSON value as Express's JSON body parser and JSON.parse
// would: objects become Object (key order kept; a repeated key keeps its
// first position and takes the last value), arrays []any, numbers
// json.Number (the literal), strings string, true/false bool, null nil.
// Invalid UTF-8 is replaced with U+FFFD per the WHATWG decoder, and a leading
// byte order mark is skipped. Trailing data after the value is an error.
func Parse(data []byte) (any, error) {
	if !utf8.Valid(data) {
		data = toWellFormed(data)
	}
	// One copy of the input as a string: unescaped strings (keys included)
	// and numbers are substrings of it instead of one allocation each.
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
		key, err := p.str()
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
	d := p.data
	start := p.pos
	i := start
	if d[i] == '-' {
		i++
	}
	var err error
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		i, _ = p.digits(i, "")
	default:
		p.pos = i
		return nil, p.errorf("unexpected %s in a number", p.describe())
	}
	if i < len(d) && d[i] == '.' {
		if i, err = p.digits(i+1, "after '.'"); err != nil {
			return nil, err
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i, err = p.digits(i, "in the exponent"); err != nil {
			return nil, err
		}
	}
	p.pos = i
	return json.Number(p.src[start:i]), nil
}

// digits returns the end of the run of digits starting at data[i], which
// must not be empty.
func (p *parser) digits(i int, where string) (int, error) {
	j := i
	for j < len(p.data) && '0' <= p.data[j] && p.data[j] <= '9' {
		j++
	}
	if j == i {
		p.pos = i
		return 0, p.errorf("unexpected %s, want a digit %s", p.describe(), where)
	}
	return j, nil
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
		if e := d[i]; e != 'u' {
			k := strings.IndexByte(escapeLetters, e)
			if k < 0 {
				p.pos = i
				return "", p.errorf("invalid escape %q", "\\"+string(rune(e)))
			}
			b = append(b, escapedBytes[k])
			i++
			continue
		}
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
	}
}

// The short escapes of JSON strings: escapeLetters[i] after a backslash
// stands for escapedBytes[i].
const (
	escapeLetters = "\"\\/bfnrt"
	escapedBytes  = "\"\\/\b\f\n\r\t"
)

// hex4 decodes the four hex digits of a \u escape starting at d[i].
func hex4(d []byte, i int) (rune, bool) {
	var u [2]byte
	if i+4 > len(d) {
		return 0, false
	}
	if _, err := hex.Decode(u[:], d[i:i+4]); err != nil {
		return 0, false
	}
	return rune(u[0])<<8 | rune(u[1]), true
}
