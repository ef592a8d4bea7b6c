package verify

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

const (
	vectorSecret = "It's a Secret to Everybody"
	vectorBody   = "Hello, World!"
	vectorSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

type env struct {
	t           *testing.T
	f           *cmdutil.Factory
	ios         *iostreams.IOStreams
	in, out, er *bytes.Buffer
	vars        map[string]string
}

func newEnv(t *testing.T) *env {
	ios, in, out, er := iostreams.Test()
	e := &env{t: t, ios: ios, in: in, out: out, er: er, vars: map[string]string{}}
	e.f = &cmdutil.Factory{IOStreams: ios, Flags: &cmdutil.GlobalFlags{}, Getenv: func(k string) string { return e.vars[k] }}
	return e
}

// run runs `erzycall verify args` for real (verifyRun).
func (e *env) run(args ...string) error {
	e.t.Helper()
	return testutil.Run(e.t, NewCmdVerify(e.f, nil), args...)
}

func TestNewCmdVerify(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		envSecret   string
		stdinTTY    bool
		want        verifyOptions
		wantFlagErr string
	}{
		{
			name: "secrets in order, stdin", args: []string{"--secret", "whsec_new", "--secret", "whsec_old", "--signature", "sha256=ab"},
			want: verifyOptions{Secrets: []string{"whsec_new", "whsec_old"}, Signature: "sha256=ab"},
		},
		{
			name: "secrets from the environment, payload file", args: []string{"--signature", "sha256=ab", "--payload-file", "body.json"},
			envSecret: "whsec_a,whsec_b", stdinTTY: true,
			want: verifyOptions{Secrets: []string{"whsec_a", "whsec_b"}, Signature: "sha256=ab", PayloadFile: "body.json"},
		},
		{
			name: "the flag beats the environment", args: []string{"--secret", "whsec_flag", "--signature", "x"},
			envSecret: "whsec_env", want: verifyOptions{Secrets: []string{"whsec_flag"}, Signature: "x"},
		},
		{name: "no secret", args: []string{"--signature", "x"}, wantFlagErr: "no secret: give --secret or set ERZYCALL_WEBHOOK_SECRET"},
		{name: "no signature", args: []string{"--secret", "s"}, wantFlagErr: "--signature is required"},
		{name: "nothing to read", args: []string{"--secret", "s", "--signature", "x"}, stdinTTY: true, wantFlagErr: "give --payload-file or pipe the payload"},
		{name: "an argument", args: []string{"--secret", "s", "--signature", "x", "body.json"}, wantFlagErr: "it takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.vars[cmdutil.WebhookSecretEnv] = tc.envSecret
			e.ios.SetStdinTTY(tc.stdinTTY)
			var got *verifyOptions
			err := testutil.Run(t, NewCmdVerify(e.f, func(o *verifyOptions) error { got = o; return nil }), tc.args...)
			if !testutil.WantParsed(t, err, got != nil, tc.wantFlagErr) {
				return
			}
			if got.IO != e.ios || !slices.Equal(got.Secrets, tc.want.Secrets) || got.Signature != tc.want.Signature || got.PayloadFile != tc.want.PayloadFile {
				t.Errorf("options %+v, want %+v", *got, tc.want)
			}
		})
	}
}

func TestVerifyPublishedVector(t *testing.T) {
	e := newEnv(t)
	e.in.WriteString(vectorBody)
	if err := e.run("--secret", vectorSecret, "--signature", vectorSig); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "valid (secret #1)\n" || e.er.String() != "" {
		t.Fatalf("stdout %q stderr %q", e.out.String(), e.er.String())
	}
}

func TestVerifyNamesTheSecretThatMatched(t *testing.T) {
	e := newEnv(t)
	e.in.WriteString(vectorBody)
	if err := e.run("--secret", "whsec_old", "--secret", vectorSecret, "--signature", "  SHA256="+strings.ToUpper(vectorSig[7:])+" "); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "valid (secret #2)\n" {
		t.Fatalf("stdout %q", e.out.String())
	}
}

func TestVerifyInvalidExitsOneAndSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name, sig string
		secrets   []string
		want      string
	}{
		{"wrong secret", vectorSig, []string{"whsec_other"}, "invalid: it matches no configured secret\n"},
		{"none of several", vectorSig, []string{"a", "b"}, "invalid: it matches none of the 2 secrets\n"},
		{"malformed", "sha1=abc", []string{vectorSecret}, "invalid: malformed X-Webhook-Signature header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.in.WriteString(vectorBody)
			args := []string{"--signature", tc.sig}
			for _, s := range tc.secrets {
				args = append(args, "--secret", s)
			}
			err := e.run(args...)
			var exit *cmdutil.ExitError
			if !errors.As(err, &exit) || exit.Code != 1 || exit.Err != nil {
				t.Fatalf("err = %v, want a silent exit 1", err)
			}
			if !strings.HasPrefix(e.out.String(), tc.want) {
				t.Fatalf("stdout %q, want prefix %q", e.out.String(), tc.want)
			}
			for _, s := range tc.secrets {
				if strings.Contains(e.out.String()+e.er.String(), s) && len(s) > 1 {
					t.Fatalf("output shows a secret")
				}
			}
		})
	}
}

func TestVerifyReadsPayloadFileAndEnvSecrets(t *testing.T) {
	body, err := webhook.NewPayload("call.ended", mustTime(t), jsjson.Object{{Key: "id", Value: "abc123"}, {Key: "name", Value: "A&B <x>"}})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.vars[cmdutil.WebhookSecretEnv] = "whsec_a, whsec_b"
	if err := e.run("--signature", webhook.Sign("whsec_b", body), "--payload-file", file); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "valid (secret #2)\n" || e.er.String() != "" {
		t.Fatalf("stdout %q stderr %q", e.out.String(), e.er.String())
	}
}

func TestVerifyWarnsWhenBodyIsNotJSONStringifyForm(t *testing.T) {
	body := []byte("{\"event\": \"call.ended\", \"data\": {\"name\": \"A\\u0026B\"}}")
	e := newEnv(t)
	e.in.Write(body)
	if err := e.run("--secret", "s", "--signature", webhook.Sign("s", body)); err != nil {
		t.Fatal(err)
	}
	if e.out.String() != "valid (secret #1)\n" || !strings.Contains(e.er.String(), "not byte-for-byte JSON.stringify") {
		t.Fatalf("stdout %q stderr %q", e.out.String(), e.er.String())
	}
}

func TestVerifyUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		tty   bool
		want  string
		setup func(*env)
	}{
		{name: "no secret", args: []string{"--signature", vectorSig}, want: "no secret"},
		{name: "no signature", args: []string{"--secret", "s"}, want: "--signature is required"},
		{name: "terminal stdin and no file", args: []string{"--secret", "s", "--signature", vectorSig}, tty: true, want: "--payload-file"},
		{name: "missing file", args: []string{"--secret", "s", "--signature", vectorSig, "--payload-file", "/nonexistent/x"}, want: "read payload"},
		{name: "argument", args: []string{"extra", "--secret", "s", "--signature", vectorSig}, want: "no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.ios.SetStdinTTY(tc.tty)
			err := e.run(tc.args...)
			var fe *cmdutil.FlagError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tc.want)
			}
			if e.out.Len() != 0 {
				t.Fatalf("stdout %q", e.out.String())
			}
		})
	}
}

func mustTime(t *testing.T) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, "2025-01-15T10:30:00Z")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// The reproduction: `SHA256=757107EA…` and uppercase hex said
// "valid" with no word that the documented Node handler (a byte comparison
// with sha256=<lowercase hex>) rejects them. They stay valid, with a
// warning; --strict makes the warning exit 9.
func TestVerifyNonCanonicalHeader(t *testing.T) {
	const warning = "warning: the signature header is not sha256=<64 lowercase hex digits>, the form ErzyCall sends: " +
		"handlers written from the ErzyCall docs compare it byte for byte and would reject it\n"
	const strictErr = "--strict: the signature is valid, but a handler written from the ErzyCall docs would reject this delivery (see the warning above)"
	upper := strings.ToUpper(vectorSig[len("sha256="):])
	for _, tc := range []struct {
		name, sig, body string
		strict          bool
		code            int
		stderr          string
	}{
		{"canonical", vectorSig, vectorBody, false, 0, ""},
		{"canonical, strict", vectorSig, vectorBody, true, 0, ""},
		{"SHA256= and uppercase hex", "SHA256=" + upper, vectorBody, false, 0, warning},
		{"uppercase hex", "sha256=" + upper, vectorBody, false, 0, warning},
		{"SHA256= and uppercase hex, strict", "SHA256=" + upper, vectorBody, true, cmdutil.ExitStrict, warning},
		{"uppercase hex, strict", "sha256=" + upper, vectorBody, true, cmdutil.ExitStrict, warning},
		// Invalid stays exit 1, strict or not, and is not called non-canonical.
		{"invalid, strict", "SHA256=" + strings.Repeat("0", 64), vectorBody, true, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.in.WriteString(tc.body)
			args := []string{"--secret", vectorSecret, "--signature", tc.sig}
			if tc.strict {
				args = append(args, "--strict")
			}
			err := e.run(args...)
			if code := cmdutil.ExitCode(err); code != tc.code {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.code)
			}
			if tc.code == cmdutil.ExitStrict && err.Error() != strictErr {
				t.Errorf("error %q, want %q", err, strictErr)
			}
			if wantOut := "valid (secret #1)\n"; tc.code != 1 && e.out.String() != wantOut {
				t.Errorf("stdout %q, want %q", e.out.String(), wantOut)
			}
			if e.er.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", e.er.String(), tc.stderr)
			}
		})
	}
}

// --strict treats a payload that is not in JSON.stringify form like a
// non-canonical header: the handler from the docs would reject both.
func TestVerifyStrictNonStringifyPayload(t *testing.T) {
	body := []byte(`{"event": "call.ended", "data": {}}`) // spaces JSON.stringify would not write
	for _, strict := range []bool{false, true} {
		e := newEnv(t)
		e.in.Write(body)
		args := []string{"--secret", "whsec_x", "--signature", webhook.Sign("whsec_x", body)}
		if strict {
			args = append(args, "--strict")
		}
		err := e.run(args...)
		want := 0
		if strict {
			want = cmdutil.ExitStrict
		}
		if code := cmdutil.ExitCode(err); code != want {
			t.Errorf("strict=%v: exit %d (%v), want %d", strict, code, err, want)
		}
		if !strings.HasPrefix(e.er.String(), "warning: this payload is not byte-for-byte JSON.stringify") || e.out.String() != "valid (secret #1)\n" {
			t.Errorf("strict=%v: stdout %q stderr %q", strict, e.out.String(), e.er.String())
		}
	}
}

// TestVerifyTrailingNewline: a payload that matches once its trailing
// newline (echo's, or CRLF) is removed says so, and stays invalid (exit 1);
// a body that does not match either way gets the plain answer.
func TestVerifyTrailingNewline(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		secrets    []string
		want       string
	}{
		{"echo", vectorBody + "\n", []string{vectorSecret}, "invalid: the signature matches if the trailing newline is removed (secret #1) — did `echo` add it? Use `printf '%s'` or --payload-file\n"},
		{"CRLF, second secret", vectorBody + "\r\n", []string{"whsec_other", vectorSecret}, "invalid: the signature matches if the trailing newline is removed (secret #2) — did `echo` add it? Use `printf '%s'` or --payload-file\n"},
		{"newline, wrong secret", vectorBody + "\n", []string{"whsec_other"}, "invalid: it matches no configured secret\n"},
		{"two newlines", vectorBody + "\n\n", []string{vectorSecret}, "invalid: it matches no configured secret\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.in.WriteString(tc.body)
			args := []string{"--signature", vectorSig}
			for _, s := range tc.secrets {
				args = append(args, "--secret", s)
			}
			if err := e.run(args...); cmdutil.ExitCode(err) != 1 {
				t.Fatalf("err = %v, want exit 1", err)
			}
			if e.out.String() != tc.want || e.er.String() != "" {
				t.Errorf("stdout %q\nwant   %q\nstderr %q", e.out.String(), tc.want, e.er.String())
			}
		})
	}
}
