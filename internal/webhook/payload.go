package webhook

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/jsjson"
)

// TimestampLayout is the payload timestamp format: RFC 3339 in UTC with
// exactly three fractional digits, as JavaScript's Date#toISOString writes it.
const TimestampLayout = "2006-01-02T15:04:05.000Z"

// FormatTimestamp formats t as a payload timestamp.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampLayout) }

// NewPayload encodes a delivery body, {"event":…,"timestamp":…,"data":…},
// with jsjson.Marshal, so it is byte-equal to JSON.stringify of the same object.
// A nil data encodes as {} (the documented payload always has an object).
func NewPayload(event string, ts time.Time, data any) ([]byte, error) {
	if data == nil {
		data = jsjson.Object{}
	}
	return jsjson.Marshal(jsjson.Object{
		{Key: "event", Value: event},
		{Key: "timestamp", Value: FormatTimestamp(ts)},
		{Key: "data", Value: data},
	})
}

var sampleNames = []struct{ name, email string }{
	{"Ada Lovelace", "ada.lovelace"},
	{"Grace Hopper", "grace.hopper"},
	{"José Álvarez", "jose.alvarez"},
	{"Zoë Müller", "zoe.mueller"},
	{"Amara Okafor", "amara.okafor"},
	{"Lin Wei", "lin.wei"},
	{"Priya Natarajan", "priya.natarajan"},
	{"Sean O'Brien", "sean.obrien"},
}

var sampleDomains = []string{"example.com", "example.org", "example.net"}

var failReasons = []struct{ reason, message string }{
	{"busy", "The callee's line was busy"},
	{"no-answer", "The call was not answered"},
	{"invalid-number", "The destination number is not valid"},
	{"carrier-error", "The carrier rejected the call"},
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomID(rnd *rand.Rand, prefix string) string {
	b := make([]byte, len(prefix), len(prefix)+12)
	copy(b, prefix)
	for range 12 {
		b = append(b, idAlphabet[rnd.IntN(len(idAlphabet))])
	}
	return string(b)
}

// randomPhone returns a US number in the E.164 form the docs use.
func randomPhone(rnd *rand.Rand) string {
	return fmt.Sprintf("+1415555%04d", rnd.IntN(10000))
}

// SampleData returns realistic data for event, shaped like the documented
// call.ended payload, with fresh ids and values drawn from rnd and times
// relative to now. Unknown events get {"id": …}. A nil rnd uses a randomly
// seeded source.
func SampleData(event string, rnd *rand.Rand, now time.Time) jsjson.Object {
	if rnd == nil {
		rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) //nolint:gosec // sample ids, not secrets
	}
	kind, verb, _ := strings.Cut(event, ".")
	switch kind {
	case "call":
		return sampleCall(verb, rnd, now)
	case "contact":
		return sampleContact(verb, rnd, now)
	}
	return jsjson.Object{{Key: "id", Value: randomID(rnd, "evt_")}}
}

func sampleCall(verb string, rnd *rand.Rand, now time.Time) jsjson.Object {
	to := randomPhone(rnd)
	from := randomPhone(rnd)
	for from == to {
		from = randomPhone(rnd)
	}
	o := jsjson.Object{
		{Key: "id", Value: randomID(rnd, "call_")},
		{Key: "status", Value: verb},
		{Key: "to", Value: to},
		{Key: "from", Value: from},
	}
	switch verb {
	case "started":
		o.Set("startedAt", FormatTimestamp(now))
	case "ended":
		d := 5 + rnd.IntN(900)
		o.Set("duration", d)
		o.Set("startedAt", FormatTimestamp(now.Add(-time.Duration(d)*time.Second)))
		o.Set("endedAt", FormatTimestamp(now))
	case "failed":
		f := failReasons[rnd.IntN(len(failReasons))]
		o.Set("reason", f.reason)
		o.Set("error", f.message)
	case "scheduled":
		at := now.Add(time.Duration(1+rnd.IntN(48)) * time.Hour).Truncate(time.Minute)
		o.Set("scheduledAt", FormatTimestamp(at))
	case "cancelled":
		at := now.Add(time.Duration(1+rnd.IntN(48)) * time.Hour).Truncate(time.Minute)
		o.Set("scheduledAt", FormatTimestamp(at))
		o.Set("cancelledAt", FormatTimestamp(now))
	}
	return o
}

func sampleContact(verb string, rnd *rand.Rand, now time.Time) jsjson.Object {
	p := sampleNames[rnd.IntN(len(sampleNames))]
	o := jsjson.Object{
		{Key: "id", Value: randomID(rnd, "contact_")},
		{Key: "name", Value: p.name},
		{Key: "email", Value: p.email + "@" + sampleDomains[rnd.IntN(len(sampleDomains))]},
		{Key: "phone", Value: randomPhone(rnd)},
	}
	switch verb {
	case "created":
		o.Set("createdAt", FormatTimestamp(now))
	case "updated":
		o.Set("createdAt", FormatTimestamp(now.Add(-time.Duration(1+rnd.IntN(90*24))*time.Hour)))
		o.Set("updatedAt", FormatTimestamp(now))
	case "deleted":
		o.Set("deletedAt", FormatTimestamp(now))
	}
	return o
}

// ApplyData returns a copy of data with --data assignments applied, in order.
// Each assignment is key=value (split at the first '='):
//
//   - value is typed when it is valid JSON (42, 1.5, true, null, "quoted",
//     {"a":1}, [1,2]); anything else is taken as a string, so status=ended
//     and to=+14155551234 need no quotes. Quote to force a string: id='"123"'.
//   - a dotted key sets a nested field: caller.name=Ada creates or updates
//     the object "caller". Setting through a field that exists but is not an
//     object is an error, never a silent overwrite. A key that itself
//     contains a dot can be set with an object value: a={"b.c":1}.
//
// data is not modified; nil data starts from an empty object.
func ApplyData(data jsjson.Object, assignments []string) (jsjson.Object, error) {
	out := data.Clone()
	if out == nil {
		out = jsjson.Object{}
	}
	for _, a := range assignments {
		key, raw, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("invalid --data %q: want key=value, such as status=ended", a)
		}
		if key == "" {
			return nil, fmt.Errorf("invalid --data %q: the key before '=' is empty", a)
		}
		path := strings.Split(key, ".")
		for _, seg := range path {
			if seg == "" {
				return nil, fmt.Errorf("invalid --data %q: key %q has an empty part between dots", a, key)
			}
		}
		var value any = raw
		if v, err := jsjson.Parse([]byte(raw)); err == nil {
			value = v
		}
		if err := setPath(&out, path, 0, value); err != nil {
			return nil, fmt.Errorf("invalid --data %q: %w", a, err)
		}
	}
	return out, nil
}

func setPath(o *jsjson.Object, path []string, depth int, value any) error {
	key := path[depth]
	if depth == len(path)-1 {
		o.Set(key, value)
		return nil
	}
	child := jsjson.Object{}
	if cur, ok := o.Get(key); ok {
		c, isObj := cur.(jsjson.Object)
		if !isObj {
			return fmt.Errorf("%q is %s, not an object", strings.Join(path[:depth+1], "."), jsTypeName(cur))
		}
		child = c
	}
	if err := setPath(&child, path, depth+1, value); err != nil {
		return err
	}
	o.Set(key, child)
	return nil
}

func jsTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any, []string, []jsjson.Object:
		return "an array"
	case json.Number, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}
