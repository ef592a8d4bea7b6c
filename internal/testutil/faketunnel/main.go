// Command faketunnel stands in for cloudflared, ngrok or any tunnel program
// in tests, which cannot reach the internet. Installed on PATH under the
// real program's name, it prints what that program's documentation shows
// it printing when a tunnel starts, and serves the announced public URL as
// a local HTTPS reverse proxy (certificate from a test CA) to the port it
// was given.
//
// It is configured through the environment:
//
//	FAKE_TUNNEL_MODE      ok (default); silent: print the banner but no URL;
//	                      exit: print an error and exit 1 before any URL;
//	                      die: serve, then exit 1 after FAKE_TUNNEL_DIE_AFTER;
//	                      stubborn: like ok, but ignore SIGTERM
//	FAKE_TUNNEL_HOST      the public host name to announce (default: random)
//	FAKE_TUNNEL_LISTEN    where the HTTPS proxy listens (default 127.0.0.1:0)
//	FAKE_TUNNEL_CERT/KEY  PEM files for the proxy; without them it serves nothing
//	FAKE_TUNNEL_PIDFILE   its process id is appended to this file
//	FAKE_TUNNEL_ADDRFILE  the proxy's address is written to this file
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	name := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe")
	mode := os.Getenv("FAKE_TUNNEL_MODE")
	if f := os.Getenv("FAKE_TUNNEL_PIDFILE"); f != "" {
		appendFile(f, strconv.Itoa(os.Getpid())+"\n")
	}
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	port := upstreamPort(os.Args[1:])
	host := os.Getenv("FAKE_TUNNEL_HOST")
	if host == "" {
		host = randomHost(name)
	}
	public := "https://" + host

	say := banner(name)
	say.start()
	switch mode {
	case "exit":
		say.fail()
		os.Exit(1)
	case "silent":
		select {} // runs until it is stopped
	}
	if port == 0 {
		fmt.Fprintln(os.Stderr, "faketunnel: no upstream port in the arguments")
		os.Exit(2)
	}
	if err := serve(port); err != nil {
		fmt.Fprintln(os.Stderr, "faketunnel:", err)
		os.Exit(1)
	}
	say.url(public, port)
	if mode == "die" {
		d, _ := time.ParseDuration(os.Getenv("FAKE_TUNNEL_DIE_AFTER"))
		time.Sleep(d)
		say.died()
		os.Exit(1)
	}
	select {}
}

// serve starts the HTTPS reverse proxy to 127.0.0.1:port, if it has a
// certificate.
func serve(port int) error {
	cert, key := os.Getenv("FAKE_TUNNEL_CERT"), os.Getenv("FAKE_TUNNEL_KEY")
	if cert == "" {
		return nil
	}
	addr := os.Getenv("FAKE_TUNNEL_LISTEN")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return err
	}
	if f := os.Getenv("FAKE_TUNNEL_ADDRFILE"); f != "" {
		if err := os.WriteFile(f, []byte(ln.Addr().String()), 0o600); err != nil { //nolint:gosec // G703: the test names the file
			return err
		}
	}
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	srv := &http.Server{Handler: httputil.NewSingleHostReverseProxy(target), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(ln, cert, key) }()
	return nil
}

// upstreamPort finds the local port in the arguments: PORT, HOST:PORT or
// http://HOST:PORT, as cloudflared, ngrok and ssh-style commands take it.
func upstreamPort(args []string) int {
	for _, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "http://"), "https://")
		if i := strings.LastIndexByte(a, ':'); i >= 0 {
			a = a[i+1:]
		}
		if n, err := strconv.Atoi(a); err == nil && n > 0 && n < 65536 {
			return n
		}
	}
	return 0
}

func randomHost(name string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	switch name {
	case "cloudflared":
		return "fake-" + hex.EncodeToString(b) + ".trycloudflare.com"
	case "ngrok":
		return hex.EncodeToString(b) + "-203-0-113-7.ngrok-free.app"
	}
	return hex.EncodeToString(b) + ".fake-tunnel.test"
}

func appendFile(path, s string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // G703: the test names the file
	if err != nil {
		return
	}
	_, _ = f.WriteString(s)
	_ = f.Close()
}

// talker prints one program's lines.
type talker struct {
	start func()
	url   func(public string, port int)
	fail  func()
	died  func()
}

func banner(name string) talker {
	ts := func() string { return time.Now().UTC().Format(time.RFC3339) }
	switch name {
	case "cloudflared":
		// cloudflared logs to stderr; a quick tunnel announces its URL in
		// a box, then registers its edge connections.
		log := func(format string, a ...any) { fmt.Fprintf(os.Stderr, ts()+" INF "+format+"\n", a...) }
		return talker{
			start: func() {
				log("Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. " +
					"However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services " +
					"Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels " +
					"for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by " +
					"following: https://developers.cloudflare.com/cloudflare-one/connections/connect-apps")
				log("Requesting new quick Tunnel on trycloudflare.com...")
			},
			url: func(public string, port int) {
				log("+--------------------------------------------------------------------------------------------+")
				log("|  Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):  |")
				log("|  %-90s|", public)
				log("+--------------------------------------------------------------------------------------------+")
				log("Version 2025.11.1 (Checksum 0000000000000000000000000000000000000000000000000000000000000000)")
				log("Settings: map[no-autoupdate:true url:http://127.0.0.1:%d]", port)
				log("Registered tunnel connection connIndex=0 connection=00000000-0000-0000-0000-000000000000 event=0 ip=198.41.200.13 location=ams08 protocol=quic")
			},
			fail: func() {
				fmt.Fprintf(os.Stderr, "%s ERR Error unmarshaling QuickTunnel response: error code: 1015 error=\"invalid character 'e' looking for beginning of value\" status_code=\"429 Too Many Requests\"\n", ts())
				fmt.Fprintf(os.Stderr, "failed to unmarshal quick Tunnel: invalid character 'e' looking for beginning of value\n")
			},
			died: func() {
				fmt.Fprintf(os.Stderr, "%s ERR Connection terminated error=\"connection with edge closed\" connIndex=0\n", ts())
			},
		}
	case "ngrok":
		// ngrok with --log stdout --log-format json: one JSON object a line.
		log := func(lvl, msg, extra string) {
			fmt.Printf(`{"lvl":%q,"msg":%q,"t":%q%s}`+"\n", lvl, msg, time.Now().Format("2006-01-02T15:04:05.000-0700"), extra)
		}
		return talker{
			start: func() {
				log("info", "no configuration paths supplied", "")
				log("info", "starting web service", `,"obj":"web","addr":"127.0.0.1:4040","allow_hosts":[]`)
			},
			url: func(public string, port int) {
				log("info", "client session established", `,"obj":"tunnels.session"`)
				log("info", "started tunnel", fmt.Sprintf(`,"obj":"tunnels","name":"command_line","addr":"http://127.0.0.1:%d","url":%q`, port, public))
			},
			fail: func() {
				log("eror", "failed to reconnect session", `,"obj":"tunnels.session","err":"authentication failed: Usage of ngrok requires a verified account and authtoken.\n\nERR_NGROK_4018"`)
			},
			died: func() { log("eror", "session closing", `,"obj":"tunnels.session","err":"session closed"`) },
		}
	}
	// Any other name: an ssh-style service that prints its URL plainly.
	return talker{
		start: func() { fmt.Println("Connecting to the tunnel service...") },
		url: func(public string, _ int) {
			fmt.Println("Forwarding HTTP traffic from " + public)
		},
		fail: func() { fmt.Fprintln(os.Stderr, "ssh: connect to host tunnel.test port 22: Connection refused") },
		died: func() { fmt.Fprintln(os.Stderr, "Connection to tunnel.test closed by remote host.") },
	}
}
