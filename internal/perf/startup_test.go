package perf

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/app"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// This test binary links the whole command tree (through internal/app), so
// its package initialisers are the binary's.
var initLine = regexp.MustCompile(`^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)

// TestInitWorkIsSmall runs this test binary again with GODEBUG=inittrace=1
// and checks that no erzycall package does real work in its initialisers
// (a compiled regexp, a big table): every command pays for it, even
// --version. Allocation counts are deterministic, unlike wall time.
func TestInitWorkIsSmall(t *testing.T) {
	const maxAllocs, maxBytes = 32, 16 << 10
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("re-run with inittrace: %v\n%s", err, stderr.String())
	}
	ours := 0
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		pkg := m[1]
		bytesN, _ := strconv.Atoi(m[2])
		allocs, _ := strconv.Atoi(m[3])
		if !strings.HasPrefix(pkg, "github.com/erzycall/erzycall/") {
			if allocs > 200 || bytesN > 64<<10 {
				t.Logf("third-party init: %s: %d allocs, %d bytes", pkg, allocs, bytesN)
			}
			continue
		}
		if pkg == "github.com/erzycall/erzycall/internal/perf" {
			continue // this test package, not part of the binary
		}
		ours++
		if allocs > maxAllocs || bytesN > maxBytes {
			t.Errorf("init of %s: %d allocs, %d bytes; want at most %d and %d: make the work lazy", pkg, allocs, bytesN, maxAllocs, maxBytes)
		}
	}
	if ours == 0 {
		t.Fatalf("no erzycall package in the init trace:\n%s", stderr.String())
	}
}

// failingFactory is the real factory with every I/O dependency replaced by
// one that fails the test when called.
func failingFactory(t testing.TB) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	ios, _, out, errOut := iostreams.Test()
	f := app.NewFactory(ios, func(string) string { return "" })
	f.Config = func() (*cmdutil.Config, error) { t.Error("config resolved"); return nil, context.Canceled }
	f.Credentials = func() *credentials.Store { t.Error("credential store opened"); return nil }
	f.Resolver = func() *credentials.Resolver { t.Error("credentials resolved"); return nil }
	f.HTTPClient = func() (*http.Client, error) { t.Error("HTTP client built"); return nil, context.Canceled }
	f.APIClient = func() (*api.Client, error) { t.Error("API client built"); return nil, context.Canceled }
	return f, out, errOut
}

// TestVersionAndHelpDoNoWork: --version and --help read no config, keyring
// or network.
func TestVersionAndHelpDoNoWork(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"--help"}, {"webhooks", "list", "--help"}} {
		f, out, errOut := failingFactory(t)
		if code := app.Run(context.Background(), f, args); code != 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
		if out.Len() == 0 {
			t.Errorf("%v: printed nothing", args)
		}
	}
}

// BenchmarkRunVersion is what `erzycall --version` costs after the process
// started: building the command tree and printing.
func BenchmarkRunVersion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, out, _ := failingFactory(b)
		if app.Run(context.Background(), f, []string{"--version"}) != 0 || out.Len() == 0 {
			b.Fatal("--version failed")
		}
	}
}
