package webhook

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEvents(t *testing.T) {
	want := "call.started,call.ended,call.failed,call.scheduled,call.cancelled,contact.created,contact.updated,contact.deleted"
	if got := strings.Join(EventNames(), ","); got != want {
		t.Errorf("EventNames = %s", got)
	}
	for _, e := range Events {
		if !IsEvent(e.Name) || e.Description == "" {
			t.Errorf("event %+v", e)
		}
	}
	for _, name := range []string{"", "call", "call.End", "CALL.ENDED", "call.ended ", "contact.*"} {
		if IsEvent(name) {
			t.Errorf("IsEvent(%q) = true", name)
		}
	}
}

func TestSuggest(t *testing.T) {
	tests := map[string]string{
		"call.ende":      "call.ended",
		"Call.Ended":     "call.ended",
		"call.canceled":  "call.cancelled",
		"contact.create": "contact.created",
		"ended":          "call.ended",
		"created":        "contact.created",
		"banana":         "",
	}
	for in, want := range tests {
		if got := Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeEvents(t *testing.T) {
	got, err := NormalizeEvents([]string{"call.ended, contact.created", "call.ended", " ", "call.failed"})
	if err != nil || strings.Join(got, ",") != "call.ended,contact.created,call.failed" {
		t.Errorf("NormalizeEvents = %v, %v", got, err)
	}
	_, err = NormalizeEvents([]string{"call.canceled"})
	if err == nil || !strings.Contains(err.Error(), `unknown event "call.canceled": did you mean call.cancelled?`) {
		t.Errorf("typo error = %v", err)
	}
	if got, err := NormalizeEvents(nil); err != nil || len(got) != 0 {
		t.Errorf("NormalizeEvents(nil) = %v, %v", got, err)
	}
}

func TestValidateEndpointURL(t *testing.T) {
	for _, ok := range []string{"https://example.com/webhook", "http://localhost:3000/hook", "http://127.0.0.1/x", "http://[::1]:8080/", "HTTPS://EXAMPLE.COM"} {
		if err := ValidateEndpointURL(ok); err != nil {
			t.Errorf("ValidateEndpointURL(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "example.com/webhook", "http://example.com/webhook", "ftp://example.com", "https://", "/webhook"} {
		if err := ValidateEndpointURL(bad); err == nil {
			t.Errorf("ValidateEndpointURL(%q) = nil", bad)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "app.localhost": false, "127.0.0.1": true,
		"127.1.2.3": true, "::1": true, "[::1]": true, "example.com": false, "10.0.0.1": false, "": false,
	} {
		if got := IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCheckEvent(t *testing.T) {
	const hint = " (run `erzycall events` for the list)"
	for name, want := range map[string]string{
		"call.ended":       "",
		"contact.deleted":  "",
		"call.endd":        `unknown event "call.endd": did you mean call.ended?` + hint,
		"call.canceled":    `unknown event "call.canceled": did you mean call.cancelled?` + hint,
		"created":          `unknown event "created": did you mean contact.created?` + hint,
		"payment.refunded": `unknown event "payment.refunded"` + hint,
		"":                 `unknown event ""` + hint,
		"Call.Ended":       `unknown event "Call.Ended": did you mean call.ended?` + hint,
	} {
		err := CheckEvent(name)
		if got := fmt.Sprint(err); (want == "" && err != nil) || (want != "" && got != want) {
			t.Errorf("CheckEvent(%q) = %v, want %q", name, err, want)
		}
	}
}

func TestParseHTTPURL(t *testing.T) {
	for raw, wantHost := range map[string]string{
		"http://localhost:3000/webhook": "localhost:3000",
		"https://example.com":           "example.com",
		"HTTPS://EXAMPLE.COM/x":         "EXAMPLE.COM",
		"http://[::1]:8080/":            "[::1]:8080",
		"localhost:3000":                "",
		"ftp://example.com/":            "",
		"http:///webhook":               "",
		"/webhook":                      "",
		"":                              "",
		"http://exa mple.com/":          "",
		"mailto:a@example.com":          "",
	} {
		u, err := ParseHTTPURL(raw)
		switch {
		case wantHost == "" && !errors.Is(err, ErrNotHTTPURL):
			t.Errorf("ParseHTTPURL(%q) = %v, %v; want ErrNotHTTPURL", raw, u, err)
		case wantHost != "" && (err != nil || u.Host != wantHost):
			t.Errorf("ParseHTTPURL(%q) = %v, %v; want host %s", raw, u, err, wantHost)
		}
	}
}
