package localnet

import (
	"context"
	"net"
	"testing"
)

func TestBaseURL(t *testing.T) {
	for _, tc := range []struct {
		ip     net.IP
		want   string
		public bool
	}{
		{net.IPv4(127, 0, 0, 1), "http://127.0.0.1:8787", false},
		{net.IPv4(127, 0, 0, 2), "http://127.0.0.2:8787", false},
		{net.IPv6loopback, "http://[::1]:8787", false},
		{net.IPv4zero, "http://127.0.0.1:8787", true},
		{net.IPv6unspecified, "http://[::1]:8787", true},
		{net.IPv4(192, 168, 1, 5), "http://192.168.1.5:8787", true},
	} {
		got, public := BaseURL(&net.TCPAddr{IP: tc.ip, Port: 8787})
		if got != tc.want || public != tc.public {
			t.Errorf("BaseURL(%s) = %q, %v; want %q, %v", tc.ip, got, public, tc.want, tc.public)
		}
	}
}

// TestReaches: every spelling of "this listener" is recognised, because
// the host is resolved and compared, not matched as text.
func TestReaches(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4311}
	any4 := &net.TCPAddr{IP: net.IPv4zero, Port: 4311}
	any6 := &net.TCPAddr{IP: net.IPv6unspecified, Port: 4311}
	v6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 4311}
	local := localIPs()
	for _, tc := range []struct {
		url  string
		addr *net.TCPAddr
		want bool
	}{
		{"http://127.0.0.1:4311/webhook", loop, true},
		{"http://localhost:4311/webhook", loop, true},
		{"http://LOCALHOST:4311/webhook", loop, true},
		{"http://localhost.:4311/webhook", loop, true},
		{"http://127.0.0.1:04311/webhook", loop, true},
		{"http://0.0.0.0:4311/webhook", loop, true},
		{"https://127.0.0.1:4311/other", loop, true},
		{"http://[::1]:4311/webhook", v6, true},
		{"http://[::1]:4311/webhook", any6, true},
		{"http://127.0.0.1:4311/webhook", any4, true},
		{"http://127.0.0.2:4311/webhook", any4, true},
		// Not this listener: another port, another loopback address it is
		// not bound to, a name that does not resolve.
		{"http://127.0.0.1:4312/webhook", loop, false},
		{"http://localhost:3000/webhook", loop, false},
		{"http://127.0.0.2:4311/webhook", loop, false},
		{"http://no-such-host.invalid:4311/webhook", any4, false},
		{"http://127.0.0.1/webhook", loop, false},
	} {
		got, err := Reaches(context.Background(), tc.url, tc.addr)
		if err != nil || got != tc.want {
			t.Errorf("Reaches(%s, %s) = %v, %v; want %v", tc.url, tc.addr, got, err, tc.want)
		}
	}
	// An address of one of this machine's interfaces reaches a listener on
	// all interfaces.
	for _, ip := range local {
		if ip.IsLinkLocalUnicast() || ip.To4() == nil {
			continue
		}
		u := "http://" + net.JoinHostPort(ip.String(), "4311") + "/webhook"
		if got, _ := Reaches(context.Background(), u, any4); !got {
			t.Errorf("Reaches(%s, %s) = false, want true", u, any4)
		}
	}
	if _, err := Reaches(context.Background(), "http://127.0.0.1:99999/", loop); err == nil {
		t.Error("a port out of range is not an error")
	}
}
