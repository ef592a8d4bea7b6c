package listener

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/webhook"
)

// stubApp answers forwards without a network: the status depends on the
// body length, and every third body fails like an unreachable app.
type stubApp struct{}

func (stubApp) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	switch len(body) % 3 {
	case 0:
		return nil, errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	case 1:
		return &http.Response{StatusCode: 500, Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader("boom")), Request: r}, nil
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

var validStatus = map[int]bool{200: true, 400: true, 401: true, 404: true, 405: true, 413: true, 500: true, 502: true}

func FuzzHandler(f *testing.F) {
	good, _ := webhook.NewPayload("call.ended", payloadTime, jsjson.Object{{Key: "id", Value: "abc123"}})
	f.Add("POST", "/webhook", "Content-Type: application/json", good, true)
	f.Add("POST", "/webhook", "", good, false)
	f.Add("POST", "/webhook", "X-Webhook-Signature: sha256=00", []byte(`{"event":"contact.created","data":{"id":1}}`), false)
	f.Add("POST", "/webhook", "", []byte(`{"event":"call.ended","timestamp":"bad","data":{"id":"\u001b[2J\u202e"}}`), true)
	f.Add("POST", "/webhook", "Connection: x\nX: y", []byte(`[1,2]`), true)
	f.Add("GET", "/webhook", "", []byte{}, false)
	f.Add("PÖST", "/\x00../webhook", "A: \x01", []byte("\xff\xfe"), true)
	f.Add("POST", "/webhook", "", bytes.Repeat([]byte("["), 3000), true)
	f.Fuzz(func(t *testing.T, method, path, headers string, body []byte, sign bool) {
		for _, format := range []Format{FormatJSON, FormatPretty} {
			var out bytes.Buffer
			l, err := New(Config{
				Secrets:   []string{testSecret},
				Out:       &out,
				Now:       fixedNow,
				Format:    format,
				PrintBody: true,
				MaxBody:   2048,
				ForwardTo: "http://127.0.0.1:1/hook",
				Client:    &http.Client{Transport: stubApp{}},
				Events:    []string{"call.ended", "call.exploded", "contact.created"},
			})
			if err != nil {
				t.Fatal(err)
			}
			req := &http.Request{
				Method:        method,
				URL:           &url.URL{Path: path},
				Header:        http.Header{},
				Body:          io.NopCloser(bytes.NewReader(body)),
				ContentLength: int64(len(body)),
				Host:          "127.0.0.1",
			}
			for line := range strings.SplitSeq(headers, "\n") {
				if k, v, ok := strings.Cut(line, ":"); ok {
					req.Header.Add(k, strings.TrimSpace(v))
				}
			}
			if sign {
				req.Header.Set(webhook.SignatureHeader, webhook.Sign(testSecret, body))
			}
			rec := httptest.NewRecorder()
			l.ServeHTTP(rec, req)
			if !validStatus[rec.Code] {
				t.Fatalf("status %d", rec.Code)
			}
			if err := l.Flush(); err != nil {
				t.Fatal(err)
			}
			ignored := l.Summary().Ignored == 1
			text := out.String()
			if format == FormatJSON {
				lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
				if ignored {
					if text != "" {
						t.Fatalf("ignored delivery printed %q", text)
					}
					continue
				}
				if len(lines) != 1 || !strings.HasSuffix(text, "\n") {
					t.Fatalf("want one line, got %q", text)
				}
				var d struct {
					Type   string
					Status int
				}
				if err := json.Unmarshal([]byte(lines[0]), &d); err != nil || !json.Valid([]byte(lines[0])) || !utf8.ValidString(lines[0]) {
					t.Fatalf("invalid JSON line %q: %v", lines[0], err)
				}
				if d.Type != "delivery" || d.Status != rec.Code {
					t.Fatalf("line %q for status %d", lines[0], rec.Code)
				}
				continue
			}
			if !ignored && text == "" {
				t.Fatal("nothing printed")
			}
			for _, r := range text {
				if r != '\n' && safetext.Terminal(string(r), 0) != string(r) {
					t.Fatalf("unescaped %U in pretty output %q", r, text)
				}
			}
		}
	})
}
