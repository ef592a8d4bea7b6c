package replay

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	recorded = "whsec_recorded_0123456789abcdef"
	appKey   = "whsec_app_fedcba9876543210"
)

func line(id, event string, status int, body string) *record.Line {
	l := &record.Line{
		Version: record.Version, Type: record.TypeDelivery, Method: "POST", Path: "/webhook", Body: []byte(body),
		Headers: map[string][]string{
			"Content-Type": {"application/json"}, webhook.SignatureHeader: {webhook.Sign(recorded, []byte(body))},
			"Content-Length": {"999"}, "Connection": {"keep-alive, X-Hop"}, "X-Hop": {"1"}, "X-Request-Id": {"r-" + id},
		},
		ID: &id, Event: &event,
	}
	if status > 0 {
		l.Status = &status
	}
	return l
}

func TestRequestKeepsOrResigns(t *testing.T) {
	body := `{"event":"call.ended",  "data":{"id":"a"}}`
	l := line("a", "call.ended", 500, body)
	h, b := Request(l, nil)
	if string(b) != body || h.Get(webhook.SignatureHeader) != webhook.Sign(recorded, []byte(body)) {
		t.Errorf("kept: %q %v", b, h)
	}
	for _, gone := range []string{"Content-Length", "Connection", "X-Hop"} {
		if _, ok := h[gone]; ok {
			t.Errorf("%s is sent again: %v", gone, h)
		}
	}
	if h.Get("X-Request-Id") != "r-a" {
		t.Errorf("end-to-end header lost: %v", h)
	}
	h, b = Request(l, webhook.NewSigner(appKey))
	if string(b) != body || h.Get(webhook.SignatureHeader) != webhook.Sign(appKey, []byte(body)) {
		t.Errorf("re-signed: %q %v", b, h)
	}
	if l.Headers[webhook.SignatureHeader][0] != webhook.Sign(recorded, []byte(body)) {
		t.Error("Request changed the recorded headers")
	}
}

func TestEdited(t *testing.T) {
	l := line("a", "call.ended", 500, `{}`)
	if _, _, err := Edited(l, []byte(`{"a":1}`), nil); !errors.Is(err, ErrEditUnsigned) {
		t.Errorf("unsigned edit: %v", err)
	}
	if _, _, err := Edited(l, []byte(`{"a":`), webhook.NewSigner(appKey)); err == nil {
		t.Error("an edit that is not JSON was accepted")
	}
	h, b, err := Edited(l, []byte("{ \"b\": 1.50,\n \"a\": \"\\u00e9\" }"), webhook.NewSigner(appKey))
	if err != nil || string(b) != `{"b":1.5,"a":"é"}` || h.Get(webhook.SignatureHeader) != webhook.Sign(appKey, b) {
		t.Errorf("edit: %q %v %v", b, h, err)
	}
}

func TestFilter(t *testing.T) {
	ok, failed, none := line("a", "call.ended", 200, "{}"), line("b", "contact.created", 502, "{}"), line("c", "call.ended", 0, "{}")
	for _, tc := range []struct {
		f    Filter
		want []bool
	}{
		{Filter{}, []bool{true, true, true}},
		{Filter{Failed: true}, []bool{false, true, true}},
		{Filter{Events: []string{"call.ended"}}, []bool{true, false, true}},
		{Filter{IDs: []string{"b", "c"}, Failed: true}, []bool{false, true, true}},
		{Filter{IDs: []string{"a"}, Events: []string{"contact.created"}}, []bool{false, false, false}},
	} {
		for i, l := range []*record.Line{ok, failed, none} {
			if got := tc.f.Match(l); got != tc.want[i] {
				t.Errorf("%+v.Match(line %d) = %v", tc.f, i, got)
			}
		}
	}
}

func TestRunInOrderAndCounts(t *testing.T) {
	var (
		mu  sync.Mutex
		ids []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		ids = append(ids, r.Header.Get("X-Request-Id"))
		mu.Unlock()
		if strings.Contains(string(b), "fail") {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	lines := []*record.Line{line("1", "call.ended", 500, `{"n":1}`), line("2", "call.ended", 500, `{"fail":2}`), line("3", "call.ended", 500, `{"n":3}`)}
	var order []int
	sum, err := Run(context.Background(), lines, Config{URL: srv.URL, Concurrency: 1, Rate: 1000, OnResult: func(o Outcome) { order = append(order, o.Index) }})
	if err != nil || sum != (Summary{Sent: 3, OK: 2, Failed: 1}) {
		t.Fatalf("Run = %+v, %v", sum, err)
	}
	if strings.Join(ids, ",") != "r-1,r-2,r-3" || len(order) != 3 || order[0] != 0 || order[2] != 2 {
		t.Errorf("order: sent %v, reported %v", ids, order)
	}
	ids = nil
	sum, err = Run(context.Background(), lines, Config{URL: srv.URL, Concurrency: 3})
	if err != nil || sum.Sent != 3 || len(ids) != 3 {
		t.Errorf("concurrent: %+v %v %v", sum, err, ids)
	}
	for _, bad := range []Config{{URL: srv.URL, Concurrency: 0}, {URL: srv.URL, Concurrency: 1, Rate: -1}, {URL: srv.URL, Concurrency: MaxConcurrency + 1}} {
		if _, err := Run(context.Background(), lines, bad); err == nil {
			t.Errorf("Run(%+v) accepted", bad)
		}
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { cancel() }))
	defer srv.Close()
	lines := []*record.Line{line("1", "e", 0, "{}"), line("2", "e", 0, "{}"), line("3", "e", 0, "{}")}
	sum, err := Run(ctx, lines, Config{URL: srv.URL, Concurrency: 1, Rate: 0.5})
	if !errors.Is(err, context.Canceled) || sum.Sent > 1 {
		t.Errorf("Run after cancel = %+v, %v: want at most the first sent", sum, err)
	}
}
