package jsjson

import (
	"encoding/json"
	"testing"
)

func TestObjectJSONInterfaces(t *testing.T) {
	var o Object
	if err := json.Unmarshal([]byte(`{"z":1,"a":{"y":2,"b":3}}`), &o); err != nil {
		t.Fatal(err)
	}
	if len(o) != 2 || o[0].Key != "z" || o[1].Key != "a" {
		t.Errorf("Unmarshal = %v, want the keys z, a in that order", o)
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
	if i := o.Index("b"); i != 1 {
		t.Errorf("Index(b) = %d, want 1", i)
	}
	if i := o.Index("zz"); i != -1 {
		t.Errorf("Index(zz) = %d, want -1", i)
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
