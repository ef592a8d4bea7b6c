package listen

import (
	"reflect"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/testutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// parsed is the part of Options the flags decide.
type parsed struct {
	Addr, Path, ForwardTo       string
	ForwardTimeout              time.Duration
	Events, Secrets             []string
	Format                      listener.Format
	PrintBody, SkipVerify, Keep bool
	MaxBody                     int64
	Count                       int
	Timeout, Tolerance          time.Duration
	PrintSecret                 bool
	Register, Webhook           string
	Inspect, Record             string
	InspectKeep                 int
	Open                        bool
}

func parsedOf(o *listenOptions) parsed {
	return parsed{
		Addr: o.Addr, Path: o.Path, ForwardTo: o.ForwardTo, ForwardTimeout: o.ForwardTimeout,
		Events: o.Events, Secrets: o.Secrets, Format: o.Format, PrintBody: o.PrintBody,
		SkipVerify: o.SkipVerify, Keep: o.Keep, MaxBody: o.MaxBody, Count: o.Count,
		Timeout: o.Timeout, Tolerance: o.Tolerance, PrintSecret: o.PrintSecret,
		Register: o.Register, Webhook: o.Webhook,
		Inspect: o.Inspect, Record: o.Record, InspectKeep: o.InspectKeep, Open: o.Open,
	}
}

var defaults = parsed{
	Addr: "127.0.0.1:4242", Path: "/webhook", ForwardTimeout: 30 * time.Second,
	Events: []string{}, Secrets: []string{}, Format: listener.FormatPretty, MaxBody: 1 << 20,
	Tolerance: 5 * time.Minute, InspectKeep: 1000,
}

func with(f func(p *parsed)) parsed {
	p := defaults
	f(&p)
	return p
}

func TestNewCmdListen_Options(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    parsed
		wantErr string // a usage error (exit 2) containing this
	}{
		{name: "defaults", want: defaults},
		{
			name: "all flags",
			args: []string{
				"--addr", "127.0.0.1:0", "--path", "/hooks/erzy", "--secret", "whsec_a", "--secret", "whsec_b",
				"--forward-to", "http://localhost:3000/webhook", "--forward-timeout", "0", "--events", "call.ended,call.failed",
				"--events", "call.ended", "--format", "json", "--print-body", "--max-body", "512KiB", "--count", "3",
				"--timeout", "1m", "--tolerance", "0",
			},
			want: parsed{
				Addr: "127.0.0.1:0", Path: "/hooks/erzy", Secrets: []string{"whsec_a", "whsec_b"},
				ForwardTo: "http://localhost:3000/webhook", Events: []string{"call.ended", "call.failed"},
				Format: listener.FormatJSON, PrintBody: true, MaxBody: 512 << 10, Count: 3, Timeout: time.Minute, InspectKeep: 1000,
			},
		},
		{
			name: "secret from the environment",
			env:  map[string]string{cmdutil.WebhookSecretEnv: "whsec_new, whsec_old"},
			want: with(func(p *parsed) { p.Secrets = []string{"whsec_new", "whsec_old"} }),
		},
		{
			name: "--secret wins over the environment",
			args: []string{"--secret", "whsec_flag"},
			env:  map[string]string{cmdutil.WebhookSecretEnv: "whsec_env"},
			want: with(func(p *parsed) { p.Secrets = []string{"whsec_flag"} }),
		},
		{
			name: "--register ignores the environment's secret",
			args: []string{"--register", "https://tunnel.example.dev/webhook", "--keep"},
			env:  map[string]string{cmdutil.WebhookSecretEnv: "whsec_env"},
			want: with(func(p *parsed) { p.Register, p.Keep = "https://tunnel.example.dev/webhook", true }),
		},
		{
			name: "--webhook",
			args: []string{"--webhook", "wh_abc123", "--print-secret"},
			want: with(func(p *parsed) { p.Webhook, p.PrintSecret = "wh_abc123", true }),
		},
		{
			name: "--timeout alone waits for one delivery",
			args: []string{"--timeout", "10s"},
			want: with(func(p *parsed) { p.Timeout, p.Count = 10*time.Second, 1 }),
		},
		{
			name: "--skip-verify ignores the environment's secret",
			args: []string{"--skip-verify"},
			env:  map[string]string{cmdutil.WebhookSecretEnv: "whsec_env"},
			want: with(func(p *parsed) { p.SkipVerify = true }),
		},
		{name: "max body in bytes", args: []string{"--max-body", "2048"}, want: with(func(p *parsed) { p.MaxBody = 2048 })},
		{name: "max body in MiB", args: []string{"--max-body", "2MiB"}, want: with(func(p *parsed) { p.MaxBody = 2 << 20 })},

		{name: "an argument", args: []string{"extra"}, wantErr: "listen takes no arguments"},
		{name: "bad addr", args: []string{"--addr", "4242"}, wantErr: "invalid --addr"},
		{name: "bad port", args: []string{"--addr", "127.0.0.1:99999"}, wantErr: "the port must be a number"},
		{name: "bad path", args: []string{"--path", "webhook"}, wantErr: "must start with /"},
		{name: "bad format", args: []string{"--format", "yaml"}, wantErr: "use pretty or json"},
		{
			name: "forward to localhost without a scheme",
			args: []string{"--forward-to", "localhost:3000/webhook"},
			want: with(func(p *parsed) { p.ForwardTo = "http://localhost:3000/webhook" }),
		},
		{
			name: "forward to 127.0.0.1 without a scheme",
			args: []string{"--forward-to", "127.0.0.1:3000"},
			want: with(func(p *parsed) { p.ForwardTo = "http://127.0.0.1:3000" }),
		},
		{name: "a remote forward needs its scheme", args: []string{"--forward-to", "app.example.com/webhook"}, wantErr: "only a localhost address may leave the scheme out"},
		{name: "ftp forward", args: []string{"--forward-to", "ftp://localhost/x"}, wantErr: "give an http:// or https:// URL"},
		{name: "huge forward timeout", args: []string{"--forward-timeout", "100000h"}, wantErr: "invalid --forward-timeout"},
		{name: "huge count", args: []string{"--count", "1000000000"}, wantErr: "invalid --count"},
		{name: "huge timeout", args: []string{"--timeout", "1000h"}, wantErr: "invalid --timeout"},
		{name: "huge tolerance", args: []string{"--tolerance", "100000h"}, wantErr: "invalid --tolerance"},
		{name: "tiny tunnel timeout", args: []string{"--tunnel-timeout", "1ms"}, wantErr: "invalid --tunnel-timeout"},
		{name: "negative forward timeout", args: []string{"--forward-timeout", "-1s"}, wantErr: "invalid --forward-timeout"},
		{name: "unknown event", args: []string{"--events", "call.endd"}, wantErr: "call.ended"},
		{name: "bad size", args: []string{"--max-body", "1XB"}, wantErr: "invalid size"},
		{name: "zero size", args: []string{"--max-body", "0"}, wantErr: "invalid --max-body"},
		{name: "huge size", args: []string{"--max-body", "2GiB"}, wantErr: "invalid --max-body"},
		{name: "negative count", args: []string{"--count", "-1"}, wantErr: "invalid --count"},
		{name: "negative timeout", args: []string{"--timeout", "-1s"}, wantErr: "invalid --timeout"},
		{name: "negative tolerance", args: []string{"--tolerance", "-1s"}, wantErr: "invalid --tolerance"},
		{name: "secret and webhook", args: []string{"--secret", "whsec_a", "--webhook", "wh_1"}, wantErr: "--secret and --webhook"},
		{name: "webhook and register", args: []string{"--webhook", "wh_1", "--register", "https://x.example/webhook"}, wantErr: "--webhook and --register"},
		{name: "skip verify with a secret", args: []string{"--skip-verify", "--secret", "whsec_a"}, wantErr: "--skip-verify cannot be combined with --secret"},
		{name: "skip verify and print secret", args: []string{"--skip-verify", "--print-secret"}, wantErr: "nothing to print"},
		{name: "register over plain http", args: []string{"--register", "http://tunnel.example.dev/webhook"}, wantErr: "invalid --register URL"},
		{
			name: "register and print secret",
			args: []string{"--register", "https://x.example/webhook", "--print-secret"},
			want: with(func(p *parsed) { p.Register, p.PrintSecret = "https://x.example/webhook", true }),
		},
		{name: "register, print secret and NDJSON", args: []string{"--register", "https://x.example/webhook", "--print-secret", "--format", "json"}, wantErr: `the ready line's "secrets" field`},
		{name: "keep without register", args: []string{"--keep"}, wantErr: "--keep only applies to --register"},
		{name: "register and tunnel", args: []string{"--register", "https://x.example/webhook", "--tunnel-command", "sh -c {port}"}, wantErr: "--register and --tunnel both give"},
		{name: "tunnel and tunnel command", args: []string{"--tunnel", "ngrok", "--tunnel-command", "sh {port}"}, wantErr: "--tunnel and --tunnel-command both name"},
		{name: "unknown tunnel", args: []string{"--tunnel=bore"}, wantErr: `unknown tunnel "bore"`},
		{name: "tunnel command without {port}", args: []string{"--tunnel-command", "sh -c true"}, wantErr: "must contain {port}"},
		{name: "tunnel command not installed", args: []string{"--tunnel-command", "no-such-tunnel-program {port}"}, wantErr: "no-such-tunnel-program (from --tunnel-command) is not on PATH"},
		{name: "pattern without command", args: []string{"--tunnel-url-pattern", "https://.*"}, wantErr: "only applies to --tunnel-command"},
		{name: "bad pattern", args: []string{"--tunnel-command", "sh {port}", "--tunnel-url-pattern", "("}, wantErr: "invalid --tunnel-url-pattern"},
		{name: "unbalanced quote", args: []string{"--tunnel-command", "sh 'x {port}"}, wantErr: "unbalanced ' quote"},
		{name: "forward signature without forward", args: []string{"--forward-signature", "original"}, wantErr: "only applies to --forward-to"},
		{name: "bad forward signature", args: []string{"--forward-to", "localhost:3000", "--forward-signature", "none"}, wantErr: "use resign or original"},
		{name: "resign unverified", args: []string{"--forward-to", "localhost:3000", "--forward-signature", "resign", "--skip-verify"}, wantErr: "would sign unverified deliveries"},
		{name: "env file with skip verify", args: []string{"--skip-verify", "--env-file", ".env"}, wantErr: "no secret to write"},
		{name: "env var without env file", args: []string{"--env-var", "X"}, wantErr: "--env-var only applies to --env-file"},
		{name: "bad env var", args: []string{"--env-file", ".env", "--env-var", "1X"}, wantErr: "invalid --env-var"},
		{name: "empty secret", args: []string{"--secret", " "}, wantErr: "--secret is empty"},
		{name: "unknown flag", args: []string{"--port", "1"}, wantErr: "unknown flag"},
		{name: "bare --inspect", args: []string{"--inspect"}, want: with(func(p *parsed) { p.Inspect = "127.0.0.1:4243" })},
		{
			name: "--inspect=ADDR", args: []string{"--inspect=localhost:0", "--open", "--inspect-keep", "50"},
			want: with(func(p *parsed) { p.Inspect, p.Open, p.InspectKeep = "localhost:0", true, 50 }),
		},
		{name: "--inspect ADDR", args: []string{"--inspect", "127.0.0.1:5000"}, want: with(func(p *parsed) { p.Inspect = "127.0.0.1:5000" })},
		{
			name: "bare --inspect before another flag", args: []string{"--inspect", "--forward-to", "localhost:3000", "--record", "d.ndjson"},
			want: with(func(p *parsed) {
				p.Inspect, p.ForwardTo, p.Record = "127.0.0.1:4243", "http://localhost:3000", "d.ndjson"
			}),
		},
		{name: "inspector off loopback", args: []string{"--inspect=0.0.0.0:4243"}, wantErr: "the inspector serves on loopback only"},
		{name: "inspector on a name", args: []string{"--inspect=example.com:4243"}, wantErr: "the inspector serves on loopback only"},
		{name: "inspector bad port", args: []string{"--inspect=127.0.0.1:x"}, wantErr: "the port must be a number"},
		{name: "inspector on the listener's address", args: []string{"--inspect=127.0.0.1:4242"}, wantErr: "is --addr"},
		{name: "open without inspect", args: []string{"--open"}, wantErr: "--open only applies to --inspect"},
		{name: "keep without inspect", args: []string{"--inspect-keep", "5"}, wantErr: "--inspect-keep only applies to --inspect"},
		{name: "keep out of range", args: []string{"--inspect", "--inspect-keep", "0"}, wantErr: "invalid --inspect-keep 0: give 1 to 100000"},
		{name: "record without a name", args: []string{"--record", " "}, wantErr: "--record needs a file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t, "")
			for k, v := range tt.env {
				e.env[k] = v
			}
			var got *listenOptions
			cmd := NewCmdListen(e.f, func(o *listenOptions) error { got = o; return nil })
			err := testutil.Run(t, cmd, tt.args...)
			if tt.wantErr != "" {
				wantExit(t, err, 2, tt.wantErr)
				if got != nil {
					t.Errorf("runF was called despite the usage error")
				}
				return
			}
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			g := parsedOf(got)
			if g.Events == nil {
				g.Events = []string{}
			}
			if !reflect.DeepEqual(g, tt.want) {
				t.Errorf("options\n got %+v\nwant %+v", g, tt.want)
			}
			if e.out.Len()+e.errOut.Len() > 0 {
				t.Errorf("parsing printed: %q %q", e.out, e.errOut)
			}
		})
	}
}

// The reference docs are generated from the flag defaults: they must be the
// same whatever the environment holds.
func TestNewCmdListen_DefaultsIgnoreTheEnvironment(t *testing.T) {
	defs := func(env map[string]string) map[string]string {
		e := newTestEnv(t, "")
		e.env = env
		m := map[string]string{}
		fs := NewCmdListen(e.f, nil).Flags()
		for _, name := range []string{
			"addr", "path", "secret", "forward-to", "forward-timeout", "events", "format", "print-body", "skip-verify",
			"max-body", "count", "timeout", "tolerance", "print-secret", "register", "webhook", "keep",
		} {
			f := fs.Lookup(name)
			if f == nil {
				t.Fatalf("no --%s flag", name)
			}
			m[name] = f.DefValue
		}
		return m
	}
	a := defs(map[string]string{})
	b := defs(map[string]string{cmdutil.WebhookSecretEnv: "whsec_x", "ERZYCALL_CONFIG_DIR": "/elsewhere"})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("flag defaults depend on the environment:\n%v\n%v", a, b)
	}
	if a["max-body"] != "1MiB" || a["addr"] != DefaultAddr || a["tolerance"] != "5m0s" || a["forward-timeout"] != "30s" {
		t.Errorf("defaults = %v", a)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1": 1, "1048576": 1 << 20, "1MiB": 1 << 20, "1mib": 1 << 20, "512KiB": 512 << 10, "512 KiB": 512 << 10,
		"1.5MiB": 3 << 19, "2M": 2 << 20, "1GiB": 1 << 30, "1MB": 1000000, "1kB": 1000, "10B": 10, "64Ki": 64 << 10,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1.5", "1XB", "1e400", "abc", "0x10"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
	for n, want := range map[int64]string{1 << 20: "1MiB", 512 << 10: "512KiB", 1000: "1000", 0: "0", 3 << 30: "3GiB"} {
		if got := byteSize(n).String(); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCompleteEvents(t *testing.T) {
	got, dir := cmdutil.CompleteEventList(nil, nil, "call.ended,call.s")
	want := []string{"call.ended,call.started\tAn outbound call was initiated", "call.ended,call.scheduled\tA call was scheduled for later"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("completions = %q, want %q", got, want)
	}
	if dir&cobra.ShellCompDirectiveNoSpace == 0 {
		t.Errorf("directive %v lacks NoSpace", dir)
	}
	all, _ := cmdutil.CompleteEventList(nil, nil, "")
	if len(all) != len(webhook.Events) {
		t.Errorf("%d completions for nothing typed, want %d", len(all), len(webhook.Events))
	}
}
