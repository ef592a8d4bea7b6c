package webhook

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
)

var docTime = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)

func TestNewPayloadDocumentedExample(t *testing.T) {
	data := jsjson.Object{{Key: "id", Value: "abc123"}, {Key: "status", Value: "ended"}, {Key: "to", Value: "+14155551234"}, {Key: "from", Value: "+14155559999"}, {Key: "duration", Value: 45}}
	got, err := NewPayload("call.ended", docTime, data)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"abc123","status":"ended","to":"+14155551234","from":"+14155559999","duration":45}}`
	if string(got) != want {
		t.Fatalf("NewPayload =\n%s\nwant\n%s", got, want)
	}
}

func TestNewPayloadTimestamp(t *testing.T) {
	ts := time.Date(2025, 6, 1, 12, 0, 5, 123456789, time.FixedZone("CEST", 2*3600))
	got, err := NewPayload("contact.deleted", ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"event":"contact.deleted","timestamp":"2025-06-01T10:00:05.123Z","data":{}}`
	if string(got) != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

var (
	callIDRe    = regexp.MustCompile(`^call_[a-z0-9]{12}$`)
	contactIDRe = regexp.MustCompile(`^contact_[a-z0-9]{12}$`)
	e164Re      = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	tsRe        = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

func TestSampleData(t *testing.T) {
	wantKeys := map[string]string{
		"call.started":    "id,status,to,from,startedAt",
		"call.ended":      "id,status,to,from,duration,startedAt,endedAt",
		"call.failed":     "id,status,to,from,reason,error",
		"call.scheduled":  "id,status,to,from,scheduledAt",
		"call.cancelled":  "id,status,to,from,scheduledAt,cancelledAt",
		"contact.created": "id,name,email,phone,createdAt",
		"contact.updated": "id,name,email,phone,createdAt,updatedAt",
		"contact.deleted": "id,name,email,phone,deletedAt",
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, ev := range EventNames() {
		d := SampleData(ev, rnd, docTime)
		var keys []string
		for _, m := range d {
			keys = append(keys, m.Key)
		}
		if got := strings.Join(keys, ","); got != wantKeys[ev] {
			t.Errorf("%s keys = %s, want %s", ev, got, wantKeys[ev])
		}
		id, _ := d.GetString("id")
		kind, verb, _ := strings.Cut(ev, ".")
		switch kind {
		case "call":
			if !callIDRe.MatchString(id) {
				t.Errorf("%s id = %q", ev, id)
			}
			if s, _ := d.GetString("status"); s != verb {
				t.Errorf("%s status = %q, want %q", ev, s, verb)
			}
			to, _ := d.GetString("to")
			from, _ := d.GetString("from")
			if !e164Re.MatchString(to) || !e164Re.MatchString(from) || to == from {
				t.Errorf("%s to/from = %q/%q", ev, to, from)
			}
		case "contact":
			if !contactIDRe.MatchString(id) {
				t.Errorf("%s id = %q", ev, id)
			}
			email, _ := d.GetString("email")
			if !strings.Contains(email, "@example.") {
				t.Errorf("%s email = %q", ev, email)
			}
		}
		for _, m := range d {
			if strings.HasSuffix(m.Key, "At") && !tsRe.MatchString(m.Value.(string)) {
				t.Errorf("%s %s = %v, not a payload timestamp", ev, m.Key, m.Value)
			}
		}
		if _, err := NewPayload(ev, docTime, d); err != nil {
			t.Errorf("%s: NewPayload: %v", ev, err)
		}
	}
	ended := SampleData("call.ended", rnd, docTime)
	if dur, _ := ended.Get("duration"); dur.(int) < 5 {
		t.Errorf("duration = %v", dur)
	}
	if end, _ := ended.GetString("endedAt"); end != "2025-01-15T10:30:00.000Z" {
		t.Errorf("endedAt = %s, want now", end)
	}
	if got := SampleData("other.thing", rnd, docTime); len(got) != 1 || got[0].Key != "id" {
		t.Errorf("unknown event sample = %v", got)
	}
}

func TestSampleDataUsesRand(t *testing.T) {
	a := SampleData("call.ended", rand.New(rand.NewPCG(7, 7)), docTime)
	b := SampleData("call.ended", rand.New(rand.NewPCG(7, 7)), docTime)
	c := SampleData("call.ended", rand.New(rand.NewPCG(8, 8)), docTime)
	if d := SampleData("call.ended", nil, docTime); !callIDRe.MatchString(mustGetString(d, "id")) {
		t.Errorf("nil rand: %v", d)
	}
	if mustMarshal(t, a) != mustMarshal(t, b) {
		t.Error("same seed gave different samples")
	}
	if ida, _ := a.GetString("id"); ida == mustGetString(c, "id") {
		t.Error("different seeds gave the same id")
	}
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := jsjson.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%#v): %v", v, err)
	}
	return string(b)
}

func mustGetString(o jsjson.Object, k string) string {
	s, _ := o.GetString(k)
	return s
}

func TestApplyData(t *testing.T) {
	base := jsjson.Object{{Key: "id", Value: "abc123"}, {Key: "status", Value: "ended"}, {Key: "caller", Value: jsjson.Object{{Key: "name", Value: "Ada"}}}}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"string", []string{"status=failed"}, `{"id":"abc123","status":"failed","caller":{"name":"Ada"}}`},
		{"number", []string{"duration=45"}, `{"id":"abc123","status":"ended","caller":{"name":"Ada"},"duration":45}`},
		{"typed", []string{"a=true", "b=null", "c=1.5e3", `d=[1,"x"]`, `e={"k":"v"}`}, `{"id":"abc123","status":"ended","caller":{"name":"Ada"},"a":true,"b":null,"c":1500,"d":[1,"x"],"e":{"k":"v"}}`},
		{"forced string", []string{`id="123"`}, `{"id":"123","status":"ended","caller":{"name":"Ada"}}`},
		{"not JSON stays string", []string{"to=+14155551234", "id=00123", "x=hello world", "y="}, `{"id":"00123","status":"ended","caller":{"name":"Ada"},"to":"+14155551234","x":"hello world","y":""}`},
		{"first = splits", []string{"q=a=b"}, `{"id":"abc123","status":"ended","caller":{"name":"Ada"},"q":"a=b"}`},
		{"nested update", []string{"caller.name=A&B <x>"}, `{"id":"abc123","status":"ended","caller":{"name":"A&B <x>"}}`},
		{"nested create", []string{"meta.tags.first=1", "meta.ok=true"}, `{"id":"abc123","status":"ended","caller":{"name":"Ada"},"meta":{"tags":{"first":1},"ok":true}}`},
		{"later wins", []string{"status=a", "status=b"}, `{"id":"abc123","status":"b","caller":{"name":"Ada"}}`},
		{"replace object", []string{"caller=null"}, `{"id":"abc123","status":"ended","caller":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ApplyData(base, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if s := mustMarshal(t, got); s != tt.want {
				t.Errorf("got  %s\nwant %s", s, tt.want)
			}
		})
	}
	if s := mustMarshal(t, base); s != `{"id":"abc123","status":"ended","caller":{"name":"Ada"}}` {
		t.Errorf("ApplyData modified its input: %s", s)
	}
	if got, err := ApplyData(nil, []string{"a=1"}); err != nil || mustMarshal(t, got) != `{"a":1}` {
		t.Errorf("nil data: %v, %v", got, err)
	}
}

func TestApplyDataErrors(t *testing.T) {
	base := jsjson.Object{{Key: "id", Value: "abc123"}, {Key: "n", Value: json.Number("1")}}
	tests := []struct{ arg, want string }{
		{"status", `invalid --data "status": want key=value, such as status=ended`},
		{"=x", `invalid --data "=x": the key before '=' is empty`},
		{"a..b=1", `invalid --data "a..b=1": key "a..b" has an empty part between dots`},
		{".a=1", `invalid --data ".a=1": key ".a" has an empty part between dots`},
		{"a.=1", `invalid --data "a.=1": key "a." has an empty part between dots`},
		{"id.x=1", `invalid --data "id.x=1": "id" is a string, not an object`},
		{"n.x.y=1", `invalid --data "n.x.y=1": "n" is a number, not an object`},
	}
	for _, tt := range tests {
		_, err := ApplyData(base, []string{tt.arg})
		if err == nil || err.Error() != tt.want {
			t.Errorf("ApplyData(%q) error = %v\nwant %s", tt.arg, err, tt.want)
		}
	}
	_, err := ApplyData(jsjson.Object{{Key: "a", Value: jsjson.Object{{Key: "b", Value: []any{}}}}}, []string{"a.b.c=1"})
	if err == nil || !strings.Contains(err.Error(), `"a.b" is an array, not an object`) {
		t.Errorf("through an array: %v", err)
	}
}

func FuzzApplyData(f *testing.F) {
	for _, s := range []string{"status=ended", "a.b.c=1", "=", "x", "a..b=2", `d={"k":[1,2]}`, "caller.name=Zoë", "id.x=1", "n=1e400"} {
		f.Add(s)
	}
	base := jsjson.Object{{Key: "id", Value: "abc123"}, {Key: "caller", Value: jsjson.Object{{Key: "name", Value: "Ada"}}}}
	f.Fuzz(func(t *testing.T, arg string) {
		got, err := ApplyData(base, []string{arg})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid --data ") {
				t.Fatalf("error %q lacks context", err)
			}
			return
		}
		key, raw, ok := strings.Cut(arg, "=")
		if !ok || key == "" {
			t.Fatalf("ApplyData(%q) succeeded without key=value", arg)
		}
		cur := any(got)
		for _, seg := range strings.Split(key, ".") {
			o, isObj := cur.(jsjson.Object)
			if !isObj {
				t.Fatalf("ApplyData(%q): %q is not reachable", arg, key)
			}
			cur, _ = o.Get(seg)
		}
		if s, isStr := cur.(string); isStr && s != raw {
			if v, err := jsjson.Parse([]byte(raw)); err != nil || v != s {
				t.Fatalf("ApplyData(%q) stored %q", arg, s)
			}
		}
		if _, err := jsjson.Marshal(got); err != nil {
			t.Fatalf("jsjson.Marshal after ApplyData(%q): %v", arg, err)
		}
		if s := mustMarshal(t, base); s != `{"id":"abc123","caller":{"name":"Ada"}}` {
			t.Fatalf("ApplyData(%q) modified its input: %s", arg, s)
		}
	})
}
