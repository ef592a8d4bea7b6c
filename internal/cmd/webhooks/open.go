package webhooks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// openOptions are the inputs of `webhooks open`.
type openOptions struct {
	IO      *iostreams.IOStreams
	APIURL  func() (string, error)
	Browser cmdutil.Browser
	Getenv  func(string) string

	ID string
}

// newCmdOpen returns `webhooks open`.
func newCmdOpen(f *cmdutil.Factory, runF func(*openOptions) error) *cobra.Command {
	opts := &openOptions{IO: f.IOStreams, APIURL: f.APIURL, Browser: f.Browser, Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "open [ID]",
		Short: "Open the webhooks page of the dashboard in a browser",
		Long: `Open Settings > API Keys > Webhooks of the ErzyCall dashboard. Where no
browser can start (no terminal, CI, a headless machine) the URL is printed instead.`,
		Args:              cmdutil.MaximumNArgs(1, "give at most one endpoint ID"),
		ValidArgsFunction: completeEndpointIDs(f),
		Example:           "  erzycall webhooks open\n  erzycall webhooks open wh_abc123",
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return openRun(opts)
		},
	}
	return cmd
}

func openRun(opts *openOptions) error {
	// Only the API URL is needed, not a key: the dashboard has its own login.
	apiURL, err := opts.APIURL()
	if err != nil {
		return err
	}
	target := DashboardURL(apiURL, opts.ID)
	if !opts.IO.IsStdoutTTY() || opts.Getenv("CI") != "" || opts.Browser == nil {
		fmt.Fprintln(opts.IO.Out, target)
		return nil
	}
	if err := opts.Browser.Browse(target); err != nil {
		fmt.Fprintf(opts.IO.ErrOut, "Could not start a browser (%v). Open this URL:\n", err)
		fmt.Fprintln(opts.IO.Out, target)
		return nil
	}
	fmt.Fprintf(opts.IO.ErrOut, "Opening %s in your browser.\n", target)
	return nil
}

// DashboardURL is the dashboard's webhooks page for the API at apiURL
// (same scheme and host, without the /api/... path), optionally for one endpoint.
func DashboardURL(apiURL, id string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		u, _ = url.Parse("https://app.erzycall.com")
	}
	base := url.URL{Scheme: u.Scheme, Host: u.Host}
	if i := strings.Index(u.Path, "/api"); i > 0 {
		base.Path = u.Path[:i]
	}
	base.Path += "/settings/api-keys"
	q := url.Values{"tab": {"webhooks"}}
	if id != "" {
		q.Set("webhook", id)
	}
	base.RawQuery = q.Encode()
	return base.String()
}
