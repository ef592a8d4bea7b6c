package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
)

// TestResolveData is the one table for --data-file and --data, which
// trigger and sandbox emit share.
func TestResolveData(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data.json")
	if err := os.WriteFile(file, []byte(`{"id":"call_file","nested":{"a":1}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	notObject := filepath.Join(t.TempDir(), "list.json")
	if err := os.WriteFile(notObject, []byte(`[1]`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		file, stdin string
		args        []string
		want        string // JSON of the data
		wantErr     string // a usage error containing this
		wantSample  bool   // sample() was called
	}{
		{name: "sample", want: `{"id":"sample"}`, wantSample: true},
		{name: "data over the sample", args: []string{"status=failed", "id=x"}, want: `{"id":"x","status":"failed"}`, wantSample: true},
		{name: "file replaces the sample", file: file, want: `{"id":"call_file","nested":{"a":1}}`},
		{name: "data over the file", file: file, args: []string{"nested.b=true"}, want: `{"id":"call_file","nested":{"a":1,"b":true}}`},
		{name: "stdin", file: "-", stdin: `{"k":"v"}`, args: []string{"n=1"}, want: `{"k":"v","n":1}`},
		{name: "bad data", args: []string{"novalue"}, wantErr: `invalid --data "novalue": want key=value`, wantSample: true},
		{name: "missing file", file: filepath.Join(t.TempDir(), "none.json"), wantErr: "read --data-file"},
		{name: "not an object", file: notObject, wantErr: "must hold a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ios, in, _, _ := iostreams.Test()
			in.WriteString(tc.stdin)
			sampled := false
			data, err := ResolveData(ios, tc.file, tc.args, func() jsjson.Object {
				sampled = true
				return jsjson.Object{{Key: "id", Value: "sample"}}
			})
			if sampled != tc.wantSample {
				t.Errorf("sample called: %v, want %v", sampled, tc.wantSample)
			}
			if tc.wantErr != "" {
				var fe *FlagError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want a usage error containing %q", err, tc.wantErr)
				}
				if strings.Count(err.Error(), "invalid --data") > 1 {
					t.Errorf("error = %q says it twice", err)
				}
				return
			}
			b, merr := jsjson.Marshal(data)
			if err != nil || merr != nil || string(b) != tc.want {
				t.Errorf("ResolveData = %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}
