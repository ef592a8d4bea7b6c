package testutil

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	fakeTunnelOnce sync.Once
	fakeTunnelBin  string
	fakeTunnelErr  error
)

// FakeTunnelDir builds internal/testutil/faketunnel once per test process
// and returns a new directory holding it as `cloudflared`, `ngrok` and
// `tunnelsvc` (a stand-in for any other tunnel program), to put first on
// PATH. See faketunnel's documentation for its FAKE_TUNNEL_* settings.
func FakeTunnelDir(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the fake tunnel program")
	}
	fakeTunnelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "erzycall-faketunnel-")
		if err != nil {
			fakeTunnelErr = err
			return
		}
		fakeTunnelBin = filepath.Join(dir, "faketunnel"+exe())
		out, err := exec.CommandContext(context.Background(), "go", "build", "-o", fakeTunnelBin, //nolint:gosec // G204: a path in our own temp dir
			"github.com/erzycall/erzycall/internal/testutil/faketunnel").CombinedOutput()
		if err != nil {
			fakeTunnelErr = &buildError{err: err, out: string(out)}
		}
	})
	if fakeTunnelErr != nil {
		t.Fatalf("build the fake tunnel: %v", fakeTunnelErr)
	}
	dir := t.TempDir()
	for _, name := range []string{"cloudflared", "ngrok", "tunnelsvc"} {
		if err := os.Link(fakeTunnelBin, filepath.Join(dir, name+exe())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// TestCA is a certificate authority made for one test, and a server
// certificate it signed.
type TestCA struct {
	CAFile, CertFile, KeyFile string // PEM files in a temporary directory
	Pool                      *x509.CertPool
}

// NewTestCA makes a CA and a certificate for hosts (names or IPs; a name
// like *.trycloudflare.com is a wildcard), written as PEM files.
func NewTestCA(t testing.TB, hosts ...string) *TestCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "erzycall test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: hosts[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ca := &TestCA{
		CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"),
		Pool: x509.NewCertPool(),
	}
	ca.Pool.AddCert(caCert)
	write := func(path, typ string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(ca.CAFile, "CERTIFICATE", caDER)
	write(ca.CertFile, "CERTIFICATE", der)
	write(ca.KeyFile, "EC PRIVATE KEY", keyDER)
	return ca
}

// TLSConfig trusts only this CA.
func (ca *TestCA) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}
}

// PathWith returns PATH with dir first.
func PathWith(dir string) string {
	return dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

// WaitFile waits up to 10s for path to exist with content, and returns it.
func WaitFile(t testing.TB, path string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
	}
	t.Fatalf("%s did not appear within 10s", path)
	return ""
}

// FreePort returns a loopback port that was free just now, from below the
// kernel's ephemeral range (32768 and up on Linux), so that no server bound
// to port 0 in the meantime can be given it.
func FreePort(t testing.TB) int {
	t.Helper()
	var lc net.ListenConfig
	for range 100 {
		port := 20000 + mrand.IntN(12000) //nolint:gosec // G404: a port to try, not a secret
		ln, err := lc.Listen(context.Background(), "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			_ = ln.Close()
			return port
		}
	}
	t.Fatal("no free port between 20000 and 32000")
	return 0
}
