// Package cmdutil holds what every command shares: the Factory of lazily
// built dependencies, error types that map to exit codes, output flags
// (-o/--jq) and confirmations.
package cmdutil

import (
	"net/http"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/credentials"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// GlobalFlags are the persistent flags of the root command.
type GlobalFlags struct {
	APIURL  string
	APIKey  string
	Profile string
	Debug   bool
	NoColor bool
}

// Config is the resolved configuration of one invocation.
type Config struct {
	APIURL    string // validated base URL of the API
	APIKey    string // never printed
	KeySource string // where the key came from: flag, env, keyring, file
	Profile   string
}

// Browser opens URLs.
type Browser interface {
	Browse(url string) error
}

// Factory hands commands their dependencies. Every func is lazy: a command
// that does not call it pays nothing (no keyring, file or network access).
type Factory struct {
	IOStreams *iostreams.IOStreams
	Flags     *GlobalFlags
	Browser   Browser
	Now       func() time.Time
	Getenv    func(string) string

	// ConfigDir is the configuration directory (ERZYCALL_CONFIG_DIR, else
	// the OS default); it is not created.
	ConfigDir func() (string, error)
	// APIURL resolves and checks only the API URL, reading no keyring (for
	// commands that need no key, like `webhooks open`).
	APIURL func() (string, error)
	// Config resolves the API URL and key (flag > env > stored profile).
	// A missing key is not an error here: APIClient reports it.
	Config func() (*Config, error)
	// Credentials is the store of API keys and webhook secrets (keyring,
	// file fallback). Building it does no I/O.
	Credentials func() *credentials.Store
	// Resolver applies flag > env > stored profile for the key and URL.
	Resolver func() *credentials.Resolver
	// HTTPClient is the client for requests that are not API calls
	// (forwarding, triggering).
	HTTPClient func() (*http.Client, error)
	// APIClient is the ErzyCall API client, configured from Config.
	APIClient func() (*api.Client, error)
	// NewAPIClient builds a client for an explicit base URL and key, set up
	// like APIClient's (auth login checks a key before it is saved).
	NewAPIClient func(baseURL, apiKey string) (*api.Client, error)
}
