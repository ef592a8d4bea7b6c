// Package tunnel runs an existing tunnel program (cloudflared, ngrok, or any
// command the user names) as a child process and finds the public HTTPS URL
// it prints. erzycall does not operate a tunnel service of its own.
//
// Every engine, built-in or custom, is the same few facts: a program, its
// arguments with a {port} placeholder, and the pattern of the URL it prints
// (as DDEV's share providers are). Adding an engine is adding an Engine value.
package tunnel

import (
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// Engine describes how to start one tunnel program and read its public URL.
type Engine struct {
	// Name is what --tunnel takes ("cloudflared"), or "custom".
	Name string
	// Argv is the program and its arguments; "{port}" in any of them is
	// replaced with the local port to expose.
	Argv []string
	// URLPattern finds the public URL in a line of the program's output
	// (stdout and stderr): its first capture group when it has one, else
	// the whole match.
	URLPattern string
	// ReadyPattern, when set, is a line that must follow the URL before the
	// tunnel carries traffic (cloudflared prints the URL before its edge
	// connection is registered).
	ReadyPattern string
	// Install says how to get the program, for the "not installed" error.
	Install string
}

// DefaultURLPattern is the first https:// URL a line holds: what
// --tunnel-command takes unless --tunnel-url-pattern says otherwise.
const DefaultURLPattern = `https://[A-Za-z0-9.-]+(?::[0-9]+)?`

// builtins are the engines --tunnel knows by name, in the order `auto`
// tries them.
var builtins = []Engine{
	{
		Name: "cloudflared",
		// A quick tunnel: no account needed. cloudflared also prints links
		// to its terms and docs, so the pattern names the quick-tunnel host.
		Argv:         []string{"cloudflared", "tunnel", "--url", "http://127.0.0.1:{port}", "--no-autoupdate"},
		URLPattern:   `https://[a-z0-9-]+\.trycloudflare\.com`,
		ReadyPattern: `Registered tunnel connection`,
		Install: "install it with `brew install cloudflared` (macOS), the cloudflared .deb from " +
			"https://pkg.cloudflare.com (Debian/Ubuntu), or `winget install --id Cloudflare.cloudflared` (Windows)",
	},
	{
		Name: "ngrok",
		// The JSON log names the tunnel's public URL in its "started
		// tunnel" line; the terminal UI would need a TTY.
		Argv:       []string{"ngrok", "http", "127.0.0.1:{port}", "--log", "stdout", "--log-format", "json"},
		URLPattern: `"url":"(https://[^"]+)"`,
		Install: "install it with `brew install ngrok` (macOS), the apt repository at https://ngrok.com/download " +
			"(Debian/Ubuntu) or `choco install ngrok` (Windows), then run `ngrok config add-authtoken TOKEN` once",
	},
}

// Names lists the built-in engines, for help and completion.
func Names() []string {
	out := make([]string, len(builtins))
	for i, e := range builtins {
		out[i] = e.Name
	}
	return out
}

// ErrNotInstalled is returned (wrapped, with the install hint) when an
// engine's program is not on PATH.
var ErrNotInstalled = errors.New("tunnel program not installed")

// Lookup returns the built-in engine name; "auto" (or "") is the first one
// whose program lookPath finds. A missing program is an error wrapping
// ErrNotInstalled that says how to install it.
func Lookup(name string, lookPath func(string) (string, error)) (Engine, error) {
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if name == "" || name == "auto" {
		for _, e := range builtins {
			if _, err := lookPath(e.Argv[0]); err == nil {
				return e, nil
			}
		}
		var hints []string
		for _, e := range builtins {
			hints = append(hints, e.Name+": "+e.Install)
		}
		return Engine{}, fmt.Errorf("%w: --tunnel looked for %s on PATH and found neither.\n  %s\n"+
			"Or name any other tunnel program with --tunnel-command 'CMD … {port} …'",
			ErrNotInstalled, strings.Join(Names(), " and "), strings.Join(hints, "\n  "))
	}
	for _, e := range builtins {
		if e.Name == name {
			if _, err := lookPath(e.Argv[0]); err != nil {
				return Engine{}, fmt.Errorf("%w: %s is not on PATH: %s", ErrNotInstalled, e.Argv[0], e.Install)
			}
			return e, nil
		}
	}
	return Engine{}, fmt.Errorf("unknown tunnel %q: use %s or auto, or --tunnel-command for any other program",
		name, strings.Join(Names(), ", "))
}

// Custom is the engine of --tunnel-command: command is split into words as
// a POSIX shell would (quotes and backslashes; no expansion), and pattern
// defaults to DefaultURLPattern. The command must contain {port}, and its
// program must be on PATH.
func Custom(command, pattern string, lookPath func(string) (string, error)) (Engine, error) {
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	argv, err := SplitCommand(command)
	if err != nil {
		return Engine{}, fmt.Errorf("invalid --tunnel-command: %w", err)
	}
	if len(argv) == 0 {
		return Engine{}, errors.New("invalid --tunnel-command: it is empty")
	}
	if !strings.Contains(command, "{port}") {
		return Engine{}, errors.New("invalid --tunnel-command: it must contain {port}, where erzycall puts the listener's port")
	}
	if pattern == "" {
		pattern = DefaultURLPattern
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return Engine{}, fmt.Errorf("invalid --tunnel-url-pattern: %w", err)
	}
	if _, err := lookPath(argv[0]); err != nil {
		return Engine{}, fmt.Errorf("%w: %s (from --tunnel-command) is not on PATH or not executable", ErrNotInstalled, argv[0])
	}
	return Engine{Name: "custom", Argv: argv, URLPattern: pattern}, nil
}

// command returns the argv with {port} filled in.
func (e Engine) command(port int) []string {
	p := strconv.Itoa(port)
	out := make([]string, len(e.Argv))
	for i, a := range e.Argv {
		out[i] = strings.ReplaceAll(a, "{port}", p)
	}
	return out
}

// SplitCommand splits s into words like a POSIX shell, without expansion:
// single quotes keep everything literally, double quotes allow \" \\ \$ \`
// escapes, and a backslash outside quotes escapes the next character.
func SplitCommand(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote rune
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune("\"\\$`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == '\\' && runtime.GOOS != "windows":
			if i+1 == len(rs) {
				return nil, errors.New("it ends with a lone backslash")
			}
			i++
			cur.WriteRune(rs[i])
			in = true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced %c quote", quote)
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
