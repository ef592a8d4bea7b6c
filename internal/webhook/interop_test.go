package webhook_test

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// TestNodeInterop signs every kind of body the CLI sends and checks it with
// the documented Node handler (testdata/verify.mjs), which verifies the HMAC
// of JSON.stringify(JSON.parse(body)): so the body must already be in that
// form and the signature must use the secret as the documentation does.
// (internal/jsjson's node tests cover the JSON encoding itself in depth.)
func TestNodeInterop(t *testing.T) {
	type interopCase struct {
		Name      string `json:"name"`
		Body      string `json:"body"` // base64
		Secret    string `json:"secret"`
		Signature string `json:"signature"`
	}
	secrets := []string{"whsec_2f8a1c9e4b7d6053a1e2f3c4b5a69788", "It's a Secret to Everybody", "whsec_ünïcödé🔑"}
	var cases []interopCase
	add := func(name, event string, ts time.Time, data any) {
		body, err := webhook.NewPayload(event, ts, data)
		if err != nil {
			t.Fatalf("%s: NewPayload: %v", name, err)
		}
		secret := secrets[len(cases)%len(secrets)]
		cases = append(cases, interopCase{name, base64.StdEncoding.EncodeToString(body), secret, webhook.Sign(secret, body)})
	}

	rnd := rand.New(rand.NewPCG(2025, 115))
	now := time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	assignments := []string{
		"name=A&B <x>", "note=😀 \u2028 é", "meta.n=1e21", `meta.list=[1,-0,0.000001,"<>"]`, "7=seven", "3=three",
		`raw={"b":1,"a":2,"1":3,"a":4}`, `esc="\ud800\u001b"`,
	}
	for _, ev := range webhook.EventNames() {
		for i := range 20 {
			ts := now.Add(time.Duration(rnd.Int64N(1e15)))
			data := webhook.SampleData(ev, rnd, ts)
			add(fmt.Sprintf("sample %s %d", ev, i), ev, ts, data)
			data, err := webhook.ApplyData(data, assignments[:1+i%len(assignments)])
			if err != nil {
				t.Fatal(err)
			}
			add(fmt.Sprintf("sample+data %s %d", ev, i), ev, ts, data)
		}
	}
	add("no data", "contact.deleted", now, nil)

	manifest := testutil.TempJSON(t, cases)
	testutil.NodeCheck(t, len(cases), "testdata/verify.mjs", manifest)
}
