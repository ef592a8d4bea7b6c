package webhooks

import (
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
)

// TestHintsCarryTheProfile: after `erzycall --profile staging webhooks
// ...`, every command a hint names is for that profile and API URL.
func TestHintsCarryTheProfile(t *testing.T) {
	t.Run("list, empty", func(t *testing.T) {
		fake := newFakeAPI(t)
		fake.Register("GET", "/webhooks", "", 200, `{"data":[]}`)
		e := newTestEnv(t, fake.URL()).tty(true)
		e.f.Flags.Profile = "staging"
		if err := testutil.Run(t, newCmdList(e.f, nil)); err != nil {
			t.Fatal(err)
		}
		e.wantOutput(t, "", "No webhook endpoints yet. Create one with `erzycall webhooks create --url URL --events EVENT --profile staging`.\n")
	})
	t.Run("create --save-secret", func(t *testing.T) {
		fake := newFakeAPI(t)
		fake.Register("POST", "/webhooks", `{"url":"https://a.example/h","events":["call.ended"]}`, 201,
			`{"data":{"id":"wh_1","url":"https://a.example/h","events":["call.ended"],"isActive":true,"secret":"whsec_abc"}}`)
		e := newTestEnv(t, fake.URL())
		withStore(t, e)
		e.f.Flags.Profile, e.f.Flags.APIURL = "staging", "http://127.0.0.1:8787/api/v1"
		if err := testutil.Run(t, newCmdCreate(e.f, nil), "--url", "https://a.example/h", "--events", "call.ended", "--save-secret", "--jq", ".id"); err != nil {
			t.Fatal(err)
		}
		e.wantOutput(t, "wh_1\n", "Saved the secret of wh_1 (system keyring): "+
			"`erzycall listen --webhook wh_1 --profile staging --api-url http://127.0.0.1:8787/api/v1` verifies with it.\n")
	})
}
