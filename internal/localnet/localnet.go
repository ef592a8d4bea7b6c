// Package localnet answers questions about addresses on this machine: the
// URL a local client uses to reach a server, and whether a URL leads back to
// a given listening socket (however it is spelled).
package localnet

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// BaseURL is the http:// base URL clients on this machine use to reach a
// server bound to addr: an unspecified address (all interfaces) is reached
// through loopback. public reports whether other machines can reach it too.
func BaseURL(addr net.Addr) (u string, public bool) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String(), true
	}
	ip := tcp.IP
	switch {
	case ip.IsUnspecified() && ip.To4() != nil:
		ip = net.IPv4(127, 0, 0, 1)
	case ip.IsUnspecified():
		ip = net.IPv6loopback
	}
	return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port)), !tcp.IP.IsLoopback()
}

// resolveTimeout bounds the name lookup of Reaches.
const resolveTimeout = 3 * time.Second

// Reaches reports whether a request to rawURL would arrive at the server
// listening on addr. The host is resolved, not compared as text, so
// LOCALHOST, localhost., 127.0.0.1:04311, [::1], 0.0.0.0 and any name that
// resolves to an address of this machine are all recognised. A name that
// does not resolve is not an error: it reaches nothing here.
func Reaches(ctx context.Context, rawURL string, addr net.Addr) (bool, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return false, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return false, fmt.Errorf("invalid URL %q: %w", rawURL, err)
	}
	port, err := portOf(u)
	if err != nil || port != tcp.Port {
		return false, err
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil {
		ips = []net.IP{ip}
	} else {
		ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			return false, nil //nolint:nilerr // a name that does not resolve leads nowhere, certainly not here
		}
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	local := localIPs()
	for _, ip := range ips {
		if arrives(ip, tcp.IP, local) {
			return true, nil
		}
	}
	return false, nil
}

// arrives reports whether a connection to ip (on the right port) is
// accepted by a socket bound to bound.
func arrives(ip, bound net.IP, local []net.IP) bool {
	switch {
	case ip.Equal(bound):
		return true
	case ip.IsUnspecified():
		// Connecting to 0.0.0.0 or :: reaches this machine's loopback.
		return bound.IsUnspecified() || bound.IsLoopback()
	case bound.IsUnspecified():
		if ip.IsLoopback() {
			return true
		}
		for _, l := range local {
			if ip.Equal(l) {
				return true
			}
		}
	}
	return false
}

func localIPs() []net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			out = append(out, n.IP)
		}
	}
	return out
}

// portOf is the URL's port: explicit (leading zeros allowed, as the
// resolver reads them) or the scheme's default.
func portOf(u *url.URL) (int, error) {
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return 0, fmt.Errorf("invalid port %q in %s", p, u.Redacted())
		}
		return int(n), nil
	}
	switch u.Scheme {
	case "https":
		return 443, nil
	default:
		return 80, nil
	}
}
