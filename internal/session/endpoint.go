package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
)

// The descriptions of the endpoints a session registers. A temporary one
// left behind by a run that did not exit cleanly is recognised by its
// description and URL and deleted by the next run; a kept one is never
// touched.
const (
	TemporaryDescription = "erzycall listen (temporary)"
	KeptDescription      = "erzycall listen (kept)"
)

// cleanupTimeout bounds the API calls that remove a temporary endpoint: they
// run after Ctrl-C, when the user is waiting for the prompt.
const cleanupTimeout = 15 * time.Second

// Endpoints is the part of the API a session uses (*api.Client has it).
type Endpoints interface {
	ListEndpoints(ctx context.Context) ([]api.Endpoint, error)
	CreateEndpoint(ctx context.Context, in api.CreateEndpointInput) (*api.Endpoint, error)
	DeleteEndpoint(ctx context.Context, id string) error
}

// register creates the session's endpoint for rawURL. Temporary endpoints
// for the same URL that no live listener owns — left by a crashed run, whose
// deliveries would fail verification here — are deleted first. On failure
// nothing is left behind: an endpoint the API may have created although its
// answer was lost is looked for and deleted.
func (s *session) register(ctx context.Context, rawURL string) (*api.Endpoint, error) {
	existing, err := s.cfg.API.ListEndpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("register a temporary endpoint: %w", err)
	}
	existing = s.removeLeftovers(ctx, rawURL, existing)
	if len(existing) >= webhook.MaxEndpoints {
		return nil, &Error{Kind: KindRefused, Err: fmt.Errorf(
			"cannot register a temporary endpoint: the organisation already has %d webhook endpoints, the maximum:\n%s"+
				"Delete one with `%s` and try again; nothing was created",
			len(existing), endpointList(existing), s.command("webhooks delete ID --yes"))}
	}
	events := s.cfg.Listener.Events
	if len(events) == 0 {
		events = webhook.EventNames()
	}
	desc := TemporaryDescription
	if s.cfg.Keep {
		desc = KeptDescription
	}
	ep, err := s.cfg.API.CreateEndpoint(ctx, api.CreateEndpointInput{URL: rawURL, Events: events, Description: desc})
	if err != nil {
		var apiErr *api.Error
		if errors.As(err, &apiErr) && apiErr.StatusCode < 500 {
			if apiErr.StatusCode == http.StatusUnprocessableEntity {
				return nil, &Error{Kind: KindRefused, Err: fmt.Errorf(
					"the API refused the temporary endpoint: %w\nExisting endpoints:\n%s"+
						"Nothing was created", err, endpointList(existing))}
			}
			return nil, fmt.Errorf("register a temporary endpoint: %w", err)
		}
		// The endpoint may exist even though its answer was lost.
		s.removeUnreported(ctx, rawURL, desc, existing)
		return nil, fmt.Errorf("register a temporary endpoint: %w", err)
	}
	if ep.Secret == "" || ep.ID == "" {
		if ep.ID != "" {
			if err := s.deleteEndpoint(ctx, ep.ID); err != nil {
				s.warnf("%v", err)
			}
		}
		return nil, errors.New("register a temporary endpoint: the API answered without the endpoint's id or secret")
	}
	return ep, nil
}

// removeLeftovers deletes the temporary endpoints for rawURL that no live
// listener owns, names the other temporary ones (other URLs: perhaps a
// colleague's session), and returns the endpoints that remain.
func (s *session) removeLeftovers(ctx context.Context, rawURL string, eps []api.Endpoint) []api.Endpoint {
	owned := map[string]bool{}
	crashed := map[string]State{} // endpoint -> the state of the listener that died with it
	if s.cfg.ConfigDir != "" {
		if states, err := LiveStates(s.cfg.ConfigDir); err == nil {
			for _, st := range states {
				owned[st.Endpoint] = true
			}
		}
		if states, err := DeadStates(s.cfg.ConfigDir); err == nil {
			for _, st := range states {
				crashed[st.Endpoint] = st
			}
		}
	}
	defer func() {
		// The dead listeners' state files go once their endpoints are gone
		// (or were never there).
		for id, st := range crashed {
			if !slices.ContainsFunc(eps, func(ep api.Endpoint) bool { return ep.ID == id }) {
				_ = RemoveState(s.cfg.ConfigDir, st.PID)
			}
		}
	}()
	var kept, others []api.Endpoint
	for _, ep := range eps {
		_, ours := crashed[ep.ID] // this machine's listener registered it, then died
		switch {
		case ep.Description != TemporaryDescription || owned[ep.ID]:
			kept = append(kept, ep)
		case ep.URL != rawURL && !ours:
			kept = append(kept, ep)
			others = append(others, ep)
		default:
			if err := s.deleteQuietly(ctx, ep.ID); err != nil {
				s.warnf("could not delete the temporary endpoint %s left by an earlier run: %v", ep.ID, err)
				kept = append(kept, ep)
				continue
			}
			s.notef("Deleted the temporary endpoint %s for %s, left by an earlier `erzycall listen` that did not exit cleanly.\n", ep.ID, ep.URL)
			if st, ok := crashed[ep.ID]; ok {
				_ = RemoveState(s.cfg.ConfigDir, st.PID)
				delete(crashed, ep.ID)
			}
		}
	}
	if len(others) > 0 {
		s.notef("Found %s of other `erzycall listen` sessions (crashed, or running elsewhere):\n%s"+
			"If none is running, remove %s with `%s`.\n", text.Count(len(others), "temporary endpoint", "temporary endpoints"),
			endpointList(others), text.Plural(len(others), "it", "them"), s.command("webhooks delete ID --yes"))
	}
	return kept
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

// removeUnreported deletes endpoints for rawURL with description desc that
// were not in before: ones a create whose answer was lost made anyway.
func (s *session) removeUnreported(ctx context.Context, rawURL, desc string, before []api.Endpoint) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	known := map[string]bool{}
	for _, ep := range before {
		known[ep.ID] = true
	}
	now, err := s.cfg.API.ListEndpoints(ctx)
	if err != nil {
		s.warnf("could not check whether the endpoint was created anyway (%v): look for %q in `%s`",
			err, desc, s.command("webhooks list"))
		return
	}
	for _, ep := range now {
		if !known[ep.ID] && ep.Description == desc && ep.URL == rawURL {
			if err := s.deleteEndpoint(ctx, ep.ID); err != nil {
				s.warnf("%v", err)
			}
		}
	}
}

// deleteEndpoint removes the session's endpoint id and says so; one already
// gone is fine. It runs during shutdown, so it does not use the (cancelled)
// session context's deadline.
func (s *session) deleteEndpoint(ctx context.Context, id string) error {
	if err := s.deleteQuietly(ctx, id); err != nil {
		return fmt.Errorf("delete the temporary endpoint %s: %w; remove it with `%s`", id, err, s.command("webhooks delete "+id+" --yes"))
	}
	s.notef("Deleted the temporary endpoint %s.\n", id)
	return nil
}

func (s *session) deleteQuietly(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	err := s.cfg.API.DeleteEndpoint(ctx, id)
	var apiErr *api.Error
	if err != nil && (!errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound) {
		return err
	}
	return nil
}

// unregister deletes the session's endpoint, or with --keep says how to.
func (s *session) unregister(ctx context.Context) error {
	ep := s.endpoint
	if ep == nil {
		return nil
	}
	if s.cfg.Keep {
		s.notef("Kept the endpoint %s for %s, signing secret %s (not saved). Delete it with `%s`.\n",
			ep.ID, ep.URL, ep.Secret, s.command("webhooks delete "+ep.ID+" --yes"))
		return nil
	}
	return s.deleteEndpoint(ctx, ep.ID)
}

// pathOf is the path a sender POSTs to for rawURL.
func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Path == "" {
		return "/"
	}
	return u.Path
}
