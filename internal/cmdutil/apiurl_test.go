package cmdutil

import (
	"errors"
	"testing"
)

func TestCheckAPIURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://app.erzycall.com/api/v1", true},
		{"HTTPS://app.erzycall.com", true},
		{"http://localhost:4010/api/v1", true},
		{"http://127.0.0.1:4010", true},
		{"http://127.9.9.9", true},
		{"http://[::1]:4010", true},
		{"http://api.localhost", false}, // resolvers may ask the network DNS
		{"http://example.com", false},
		{"http://localhost.example.com", false},
		{"http://10.0.0.1", false},
		{"ftp://example.com", false},
		{"app.erzycall.com/api/v1", false},
		{"", false},
	} {
		err := CheckAPIURL(tc.url)
		var fe *FlagError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &fe) {
			t.Errorf("CheckAPIURL(%q) = %v, want ok=%v (a flag error when refused)", tc.url, err, tc.ok)
		}
	}
	want := "refusing plain http:// API URL http://u:xxxxx@example.com/api: the API key would cross the network in clear text; use https:// (http:// is allowed only for localhost)"
	if err := CheckAPIURL("http://u:pw@example.com/api"); err == nil || err.Error() != want {
		t.Errorf("user info: %v, want %q", err, want)
	}
}
