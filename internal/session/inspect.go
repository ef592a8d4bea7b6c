package session

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/erzycall/erzycall/internal/inspector"
	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/record"
	"github.com/erzycall/erzycall/internal/safetext"
)

// openExtras binds the inspector's socket and opens the record file, before
// anything is registered: a busy port or an unwritable file must not leave
// an endpoint behind.
func (s *session) openExtras(ctx context.Context) error {
	if s.cfg.Inspect != "" {
		ln, err := inspector.Listen(ctx, s.cfg.Inspect)
		if err != nil {
			return err
		}
		s.inspectLn = ln
	}
	if s.cfg.Record != "" {
		w, err := record.Create(s.cfg.Record)
		if err != nil {
			return fmt.Errorf("--record %s: %w", s.cfg.Record, err)
		}
		s.record = w
	}
	return nil
}

func (s *session) closeExtras() {
	if s.inspectLn != nil {
		_ = s.inspectLn.Close() // already closed when the inspector served
	}
	if s.record != nil {
		if err := s.record.Close(); err != nil {
			s.warnf("close %s: %v", s.record.Path(), err)
		}
	}
}

// capture sets lc.Capture to feed the inspector and the record file, and
// starts the inspector's server (nil without --inspect). Without either,
// the listener captures nothing.
func (s *session) capture(lc *listener.Config, localURL string, verify []string, dev, forwardSecret string) (*inspector.Server, error) {
	var hooks []func(*listener.Exchange)
	var srv *inspector.Server
	if s.inspectLn != nil {
		in, err := inspector.New(s.inspectorConfig(lc, localURL, verify, dev, forwardSecret))
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, in.Capture)
		srv = in.Serve(s.inspectLn)
	}
	if w := s.record; w != nil {
		skip := lc.SkipVerify
		hooks = append(hooks, func(x *listener.Exchange) {
			// Bodies over what replay reads are kept cut and marked, so that
			// every line stays readable.
			l := record.FromExchange(x, skip, record.MaxBody)
			if err := w.Write(&l); err != nil {
				select {
				case s.recordFailed <- err:
				default:
				}
			}
		})
	}
	switch len(hooks) {
	case 1:
		lc.Capture = hooks[0]
	case 2:
		lc.Capture = func(x *listener.Exchange) { hooks[0](x); hooks[1](x) }
	}
	return srv, nil
}

// inspectorConfig names the session's secrets for the page: those that
// verify deliveries (which one matched), and those a replay may be
// re-signed with, the forward secret first and chosen by default when
// forwards are re-signed (the --forward-signature rule).
func (s *session) inspectorConfig(lc *listener.Config, localURL string, verify []string, dev, forwardSecret string) inspector.Config {
	cfg := inspector.Config{
		Keep: s.cfg.InspectKeep, ListenerURL: localURL, ForwardTo: lc.ForwardTo, SkipVerify: lc.SkipVerify,
		Now: s.cfg.Now, DefaultResign: -1, ErrorLog: s.errOut,
		OnReplay: func(r inspector.Replayed) {
			answer := r.Err
			if r.Status > 0 {
				answer = strconv.Itoa(r.Status) + " " + r.StatusText
			}
			// The target's status text and the URL come from outside: made
			// safe for the terminal.
			s.notef("Inspector: replayed #%d as #%d to %s: %s in %s (%s)\n", r.Of, r.Seq, safetext.Terminal(r.URL, 200),
				safetext.Terminal(answer, 200), r.Latency.Round(time.Microsecond), r.Signing)
		},
	}
	for i, v := range verify {
		cfg.Verify = append(cfg.Verify, inspector.Secret{Name: s.secretName(i, len(verify), v, dev), Value: v})
	}
	seen := map[string]bool{}
	add := func(sec inspector.Secret) {
		if sec.Value != "" && !seen[sec.Value] {
			seen[sec.Value] = true
			cfg.Resign = append(cfg.Resign, sec)
		}
	}
	if forwardSecret != "" {
		add(inspector.Secret{Name: "development secret", Value: forwardSecret})
		cfg.DefaultResign = 0
	}
	for _, sec := range cfg.Verify {
		add(sec)
	}
	if dev != "" {
		add(inspector.Secret{Name: "development secret", Value: dev})
	}
	return cfg
}

func (s *session) secretName(i, n int, value, dev string) string {
	switch {
	case s.endpoint != nil:
		return "endpoint secret"
	case value == dev:
		return "development secret"
	case n == 1:
		return "secret"
	}
	return "secret " + strconv.Itoa(i+1)
}
