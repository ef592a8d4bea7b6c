package jsjson

import "errors"

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

// UnmarshalJSON decodes a JSON object with Parse, keeping key order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := Parse(data)
	if err != nil {
		return err
	}
	obj, ok := v.(Object)
	if !ok {
		return errors.New("jsjson: JSON value is not an object")
	}
	*o = obj
	return nil
}
