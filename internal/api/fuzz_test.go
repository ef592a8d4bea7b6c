package api

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeError: whatever an API (or a proxy in front of it) answers,
// decoding the error never panics, keeps the status, and yields short,
// valid UTF-8 text without control characters, with the key redacted.
func FuzzDecodeError(f *testing.F) {
	for _, seed := range []struct {
		status    int
		requestID string
		body      string
	}{
		{422, "req_42", `{"error":{"code":"too_many_endpoints","message":"Maximum 5 webhook endpoints per organization"}}`},
		{401, "", `{"error":"Invalid API key"}`},
		{404, "", `{"message":"Webhook not found"}`},
		{400, "", `{"error":"invalid_url","message":"URL must use HTTPS"}`},
		{502, "abc", "upstream connect error\r\n<html>details</html>\n"},
		{500, "", ""},
		{409, "", `{"detail":"x"}`},
		{400, "\x1b[2J", `{"error":"bad\u001b[2Jthing"}`},
		{503, "", `{"error":{"code":12,"message":1e400}}`},
		{599, "", "\xff\xfe\x00\u0085\u2028" + strings.Repeat("é", 400)},
		{418, "", `{"message":"key ek_test_s3cr3tKEYvalue leaked"}`},
		{0, "", `{"error":{"message":["not","a","string"]},"code":{"a":1}}`},
	} {
		f.Add(seed.status, seed.requestID, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, requestID string, body []byte) {
		h := http.Header{}
		if requestID != "" {
			h["X-Request-Id"] = []string{requestID}
		}
		e := decodeError(status, h, body, testKey)
		if e.StatusCode != status {
			t.Fatalf("status %d, want %d", e.StatusCode, status)
		}
		for _, field := range []struct {
			name, s string
			max     int
		}{
			{"Code", e.Code, 100}, {"Message", e.Message, maxMessageLen}, {"RequestID", e.RequestID, 100},
		} {
			checkText(t, field.name, field.s, field.max)
		}
		msg := e.Error()
		checkText(t, "Error()", msg, 700)
		if strings.Contains(msg, testKey) {
			t.Fatalf("the key survived in %q", msg)
		}
	})
}

// checkText fails unless s is valid UTF-8 of at most max runes (plus the
// ellipsis of a cut) without C0, DEL or C1 control characters.
func checkText(t *testing.T, name, s string, max int) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s %q is not valid UTF-8", name, s)
	}
	if n := utf8.RuneCountInString(s); n > max+1 {
		t.Fatalf("%s has %d runes, want at most %d", name, n, max+1)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("%s %q contains control character %U", name, s, r)
		}
	}
}
