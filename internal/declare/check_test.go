package declare

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
)

func endpoint(t *testing.T, raw string) api.Endpoint {
	t.Helper()
	var e api.Endpoint
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCheck(t *testing.T) {
	current := []api.Endpoint{
		endpoint(t, `{"id":"wh_1","url":"https://a.example/hook","isActive":true,"consecutiveFailures":3}`),
		endpoint(t, `{"id":"wh_2","url":"https://b.example/hook","isActive":false,"consecutiveFailures":10}`),
		endpoint(t, `{"id":"wh_3","url":"https://c.example/hook","isActive":false,"consecutiveFailures":1}`),
		endpoint(t, `{"id":"wh_4","url":"https://d.example/hook","isActive":false}`),
	}
	render := func(st []Status) string {
		var b strings.Builder
		for _, s := range st {
			b.WriteString(s.ID + " " + s.State + " ")
			if s.OK {
				b.WriteString("ok")
			} else {
				b.WriteString("PROBLEM")
			}
			b.WriteString(": " + s.Reason + "\n")
		}
		return b.String()
	}
	all := Check(current, nil)
	want := "wh_1 active ok: \n" +
		"wh_2 disabled PROBLEM: auto-disabled after 10 consecutive failed deliveries: fix the handler, then re-enable it\n" +
		"wh_3 disabled PROBLEM: turned off, not by failures (1 consecutive failed delivery)\n" +
		"wh_4 disabled PROBLEM: turned off, or auto-disabled after 10 consecutive failed deliveries (the API gives no reason)\n"
	if got := render(all); got != want {
		t.Errorf("check:\n%s\nwant:\n%s", got, want)
	}
	if Healthy(all) || *all[0].ConsecutiveFailures != 3 || all[3].ConsecutiveFailures != nil {
		t.Errorf("healthy or counts wrong: %+v", all)
	}

	// With a file: only its endpoints, one declared inactive, one missing.
	f := mustParse(t, `version: 1
endpoints:
  - {url: https://a.example/hook, events: [call.ended]}
  - {url: https://c.example/hook, events: [call.ended], active: false}
  - {url: https://new.example/hook, events: [call.ended]}
`)
	st := Check(current, f)
	want = "wh_1 active ok: \n" +
		"wh_3 disabled ok: the file declares it inactive\n" +
		" missing PROBLEM: the file names it, the organisation has no endpoint at this URL (`erzycall webhooks apply` creates it)\n"
	if got := render(st); got != want {
		t.Errorf("check -f:\n%s\nwant:\n%s", got, want)
	}
	if Healthy(st) || !Healthy(st[:2]) || Check(nil, nil) != nil || !Healthy(nil) {
		t.Errorf("Healthy is wrong")
	}
}

func TestEnableDisabled(t *testing.T) {
	o := &fakeOrg{eps: []api.Endpoint{
		{ID: "wh_1", URL: "https://a.example/", IsActive: true},
		{ID: "wh_2", URL: "https://b.example/", IsActive: false},
		{ID: "wh_3", URL: "https://c.example/", IsActive: false},
		{ID: "wh_4", URL: "https://d.example/", IsActive: false},
	}}
	f := mustParse(t, "version: 1\nendpoints:\n"+
		"  - {url: https://b.example/, events: [call.ended]}\n"+
		"  - {url: https://c.example/, events: [call.ended], active: false}\n"+
		"  - {url: https://d.example/, events: [call.ended]}\n")
	st := Check(o.list(), f)
	n, err := EnableDisabled(context.Background(), o, st)
	if err != nil || n != 2 || !Healthy(st) {
		t.Fatalf("enabled %d, %v: %+v", n, err, st)
	}
	if got := strings.Join(o.writes, "\n"); got != "PATCH wh_2 {\"isActive\":true}\nPATCH wh_4 {\"isActive\":true}" {
		t.Errorf("writes:\n%s", got)
	}
	if !o.eps[1].IsActive || o.eps[2].IsActive || st[0].State != StateActive || st[0].Reason != "re-enabled" {
		t.Errorf("after: %+v %+v", o.eps, st)
	}

	o.writes = nil
	o.eps[1].IsActive, o.eps[3].IsActive = false, false
	o.failAt, o.failErr = 2, errors.New("boom")
	st = Check(o.list(), nil)
	n, err = EnableDisabled(context.Background(), o, st)
	if n != 1 || err == nil || err.Error() != "boom" || Healthy(st) {
		t.Errorf("failure: %d %v", n, err)
	}
}
