package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/webhook"
)

// cleanupTimeout bounds the API calls that remove a temporary endpoint: they
// run after Ctrl-C, when the user is waiting for the prompt.
const cleanupTimeout = 15 * time.Second

// register creates the temporary endpoint of --register. On failure nothing
// is left behind: an endpoint the API may have created anyway (the answer
// was lost) is looked for and deleted.
func register(ctx context.Context, opts *Options, client *api.Client, errOut io.Writer) (*api.Endpoint, error) {
	existing, err := client.ListEndpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("register a temporary endpoint: %w", err)
	}
	reportLeftovers(errOut, existing)
	if len(existing) >= webhook.MaxEndpoints {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: fmt.Errorf(
			"cannot register a temporary endpoint: the organisation already has %d webhook endpoints, the maximum:\n%s"+
				"Delete one with `erzycall webhooks delete ID --yes` and try again; nothing was created",
			len(existing), endpointList(existing))}
	}
	events := opts.Events
	if len(events) == 0 {
		events = webhook.EventNames()
	}
	ep, err := client.CreateEndpoint(ctx, api.CreateEndpointInput{
		URL: opts.Register, Events: events, Description: TemporaryDescription,
	})
	if err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) && apiErr.StatusCode < 500 {
			if apiErr.StatusCode == http.StatusUnprocessableEntity {
				return nil, &cmdutil.ExitError{Code: cmdutil.ExitRefused, Err: fmt.Errorf(
					"the API refused the temporary endpoint: %w\nExisting endpoints:\n%s"+
						"Nothing was created", err, endpointList(existing))}
			}
			return nil, fmt.Errorf("register a temporary endpoint: %w", err)
		}
		// The endpoint may exist even though its answer was lost.
		removeUnreported(ctx, client, opts.Register, existing, errOut)
		return nil, fmt.Errorf("register a temporary endpoint: %w", err)
	}
	if ep.Secret == "" || ep.ID == "" {
		if ep.ID != "" {
			if err := deleteEndpoint(ctx, client, ep.ID, errOut); err != nil {
				fmt.Fprintf(errOut, "warning: %v\n", err)
			}
		}
		return nil, errors.New("register a temporary endpoint: the API answered without the endpoint's id or secret")
	}
	return ep, nil
}

// reportLeftovers names the temporary endpoints of earlier runs that did not
// exit cleanly, and how to remove them.
func reportLeftovers(w io.Writer, eps []api.Endpoint) {
	var left []api.Endpoint
	for _, ep := range eps {
		if ep.Description == TemporaryDescription {
			left = append(left, ep)
		}
	}
	if len(left) == 0 {
		return
	}
	fmt.Fprintf(w, "Found %d temporary endpoint(s) left by an earlier `erzycall listen --register` (crashed, or still running elsewhere):\n%s",
		len(left), endpointList(left))
	fmt.Fprintln(w, "Remove them with:")
	for _, ep := range left {
		fmt.Fprintf(w, "  erzycall webhooks delete %s --yes\n", ep.ID)
	}
}

func endpointList(eps []api.Endpoint) string {
	var b strings.Builder
	for _, ep := range eps {
		fmt.Fprintf(&b, "  %s  %s", ep.ID, ep.URL)
		if ep.Description != "" {
			fmt.Fprintf(&b, "  %q", ep.Description)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// removeUnreported deletes temporary endpoints for rawURL that were not in
// before: ones a create whose answer was lost made anyway.
func removeUnreported(ctx context.Context, client *api.Client, rawURL string, before []api.Endpoint, errOut io.Writer) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	known := map[string]bool{}
	for _, ep := range before {
		known[ep.ID] = true
	}
	now, err := client.ListEndpoints(ctx)
	if err != nil {
		fmt.Fprintf(errOut, "warning: could not check whether the endpoint was created anyway (%v): look for %q in `erzycall webhooks list`\n",
			err, TemporaryDescription)
		return
	}
	for _, ep := range now {
		if !known[ep.ID] && ep.Description == TemporaryDescription && ep.URL == rawURL {
			if err := deleteEndpoint(ctx, client, ep.ID, errOut); err != nil {
				fmt.Fprintf(errOut, "warning: %v\n", err)
			}
		}
	}
}

// deleteEndpoint removes the temporary endpoint id; one already gone is
// fine. It runs during shutdown, so it does not use the (cancelled) command
// context's deadline.
func deleteEndpoint(ctx context.Context, client *api.Client, id string, errOut io.Writer) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := client.DeleteEndpoint(ctx, id)
	var apiErr *api.Error
	if err != nil && (!errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound) {
		return fmt.Errorf("delete the temporary endpoint %s: %w; remove it with `erzycall webhooks delete %s --yes`", id, err, id)
	}
	fmt.Fprintf(errOut, "Deleted the temporary endpoint %s.\n", id)
	return nil
}

// pathOf is the path a sender POSTs to for rawURL.
func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}
