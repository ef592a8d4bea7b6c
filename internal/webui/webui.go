// Package webui is the one set of web assets erzycall serves: the listen
// inspector's page and the sandbox's dashboard, with their shared style and
// script, embedded in the binary (plain HTML, CSS and JavaScript: no CDN,
// no build step, works offline). It also holds the rules both pages are
// served under: security headers, and the DNS-rebinding and cross-origin
// checks.
package webui

import (
	"embed"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
)

//go:embed assets
var assets embed.FS

// AssetPrefix is the URL path the shared assets are served under.
const AssetPrefix = "/assets/"

// Pages of the asset set.
const (
	PageInspector = "inspector.html"
	PageDashboard = "dashboard.html"
)

// csp allows nothing but this origin's own files and requests.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// SecurityHeaders sets the headers every answer of these servers carries:
// no framing, no sniffing, no referrer, nothing from elsewhere, no caching.
func SecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// Page serves one of the pages (PageInspector, PageDashboard).
func Page(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveFile(w, r, name)
	})
}

// Assets serves the shared files under AssetPrefix.
func Assets() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix)
		if !ok || name == "" || strings.HasSuffix(name, ".html") || path.Clean(name) != name {
			http.NotFound(w, r)
			return
		}
		serveFile(w, r, name)
	})
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
}

func serveFile(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, err := fs.ReadFile(assets, "assets/"+name)
	ct, known := contentTypes[path.Ext(name)]
	if err != nil || !known {
		http.NotFound(w, r)
		return
	}
	SecurityHeaders(w.Header())
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b) //nolint:gosec // G705: b is an embedded asset, not request data
}

// Guard protects a server bound to loopback from other origins: a request
// whose Host is not one of the server's own names (a DNS-rebinding attack
// names the attacker's domain) is refused, and so is one whose Origin, when
// it has one, is not this server (a page elsewhere posting to it).
type Guard struct {
	hosts map[string]bool // host:port forms this server answers to, lower case
}

// NewGuard returns a Guard for a server listening at addr (a loopback
// address): it answers to that IP and to localhost, with the port.
func NewGuard(addr net.Addr) *Guard {
	g := &Guard{hosts: map[string]bool{}}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return g
	}
	port := strconv.Itoa(tcp.Port)
	g.hosts[net.JoinHostPort(tcp.IP.String(), port)] = true
	g.hosts["localhost:"+port] = true
	if tcp.IP.To4() != nil && tcp.IP.IsLoopback() {
		g.hosts["127.0.0.1:"+port] = true
	}
	if tcp.IP.IsUnspecified() || tcp.IP.Equal(net.IPv6loopback) {
		g.hosts["[::1]:"+port] = true
		g.hosts["127.0.0.1:"+port] = true
	}
	return g
}

// Wrap refuses requests from elsewhere with 403 before they reach h.
func (g *Guard) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := g.Refusal(r); why != "" {
			SecurityHeaders(w.Header())
			http.Error(w, why, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Refusal says why r is refused, or "" when it comes from this server's
// own page (or from a tool that sends no Origin, like curl).
func (g *Guard) Refusal(r *http.Request) string {
	if !g.hosts[strings.ToLower(r.Host)] {
		return "refused: Host " + strconv.Quote(r.Host) + " is not this server's address (DNS-rebinding defence)"
	}
	if origin := r.Header.Get("Origin"); origin != "" && !SameOrigin(origin, r.Host) {
		return "refused: a request from " + strconv.Quote(origin) + ", another origin"
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return "refused: a cross-site request"
	}
	return ""
}

// SameOrigin reports whether origin (an Origin header) is http://host.
func SameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && strings.EqualFold(u.Host, host) && u.Path == "" && u.User == nil
}
