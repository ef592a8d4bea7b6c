package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/erzycall/erzycall/internal/safetext"
	"github.com/erzycall/erzycall/internal/text"
	"github.com/erzycall/erzycall/internal/webhook"
	"github.com/erzycall/erzycall/internal/webui"
)

// Error codes of the emulator's {"error":{"code","message"}} bodies.
const (
	CodeUnauthorized     = "unauthorized"       // 401
	CodeNotFound         = "not_found"          // 404
	CodeMethodNotAllowed = "method_not_allowed" // 405
	CodeInvalidJSON      = "invalid_json"       // 400
	CodeTooLarge         = "payload_too_large"  // 413
	CodeValidation       = "validation_error"   // 422, with "field"
	CodeLimitExceeded    = "limit_exceeded"     // 422
	CodeShuttingDown     = "shutting_down"      // 503
	CodeInternal         = "internal_error"     // 500
	CodeForbidden        = "forbidden"          // 403: another Host (DNS rebinding) or another origin
	CodeConflict         = "conflict"           // 409: a resend to a deleted or disabled endpoint
	CodeInjectedFault    = "injected_fault"     // any status set with POST /sandbox/faults
)

// APIKeyHeader carries the API key.
const APIKeyHeader = "X-API-Key" //nolint:gosec // G101: a header name, not a credential

const maxBodyBytes = 1 << 20

// keyPattern matches ^ek_(test|live)_[A-Za-z0-9_-]{1,200}$. It is written by
// hand: compiling that regexp (the {1,200} unrolls into 200 states) took
// ~2,700 allocations and ~3.8M instructions in package init, i.e. at the
// start of every erzycall command, even --version.
var keyPattern keyMatcher

type keyMatcher struct{}

func (keyMatcher) MatchString(key string) bool {
	rest, ok := strings.CutPrefix(key, "ek_test_")
	if !ok {
		rest, ok = strings.CutPrefix(key, "ek_live_")
	}
	if !ok || len(rest) == 0 || len(rest) > 200 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// apiError is an error answer; field names the request field at fault.
type apiError struct {
	status  int
	allow   string // Allow header of a 405
	fault   bool   // injected on purpose (POST /sandbox/faults)
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *apiError) Error() string { return e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func invalid(field, format string, args ...any) *apiError {
	return &apiError{
		status: http.StatusUnprocessableEntity, Code: CodeValidation,
		Message: field + ": " + fmt.Sprintf(format, args...), Field: field,
	}
}

// request is what a route handler gets: the authenticated organisation
// and the path parameter.
type request struct {
	*http.Request
	org string // orgID of the key
	id  string // endpoint id, for /webhooks/{id}...
}

type handlerFunc func(w http.ResponseWriter, r *request) *apiError

// routes builds the API: method+path patterns on an http.ServeMux, each
// handler behind the key check (and, for the emulated API itself, the
// injected faults), with JSON bodies for the mux's own 404 and 405. With a
// guard, a request it refuses (another Host, another origin) gets a 403
// before any route.
func (s *Server) routes(guard *webui.Guard) http.Handler {
	mux := http.NewServeMux()
	for _, r := range []struct {
		pattern string
		h       handlerFunc
	}{
		{"GET /webhooks", s.listEndpoints},
		{"POST /webhooks", s.createEndpoint},
		{"GET /webhooks/{id}", s.getEndpoint},
		{"PATCH /webhooks/{id}", s.updateEndpoint},
		{"DELETE /webhooks/{id}", s.deleteEndpoint},
		{"POST /webhooks/{id}/rotate-secret", s.rotateSecret},
		{"POST /sandbox/events", s.sendEvent},
		{"GET /sandbox/deliveries", s.listDeliveries},
		{"GET /sandbox/requests", s.listRequests},
		{"DELETE /sandbox/requests", s.clearRequests},
		{"POST /sandbox/faults", s.addFault},
		{"DELETE /sandbox/faults", s.clearFaults},
		{"GET /sandbox/dashboard", s.dashboard},
		{"POST /sandbox/deliveries/{id}/resend", s.resend},
	} {
		method, path, _ := strings.Cut(r.pattern, " ")
		mux.Handle(method+" "+APIPrefix+path, s.authenticated(r.h))
	}
	s.dashboardRoutes(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		key := strings.TrimSpace(r.Header.Get(APIKeyHeader))
		r = trimTrailingSlash(r)
		body := teeBody(r)
		if why := guardRefusal(guard, r); why != "" {
			writeError(rec, errorf(http.StatusForbidden, CodeForbidden, "%s", why))
		} else if _, pattern := mux.Handler(r); pattern == "" || unclean(r.URL.EscapedPath()) {
			writeError(rec, unrouted(mux, r))
		} else {
			mux.ServeHTTP(rec, r)
		}
		who := ""
		if key != "" {
			who = " key=" + redactKey(key)
		}
		fault := ""
		if rec.fault {
			fault = " (injected fault)"
		}
		s.log.printf("%-6s %s %d (%s)%s%s", clean(r.Method), clean(r.URL.Path), rec.code(), ms(time.Since(start)), who, fault)
		s.recordRequest(key, r, rec, body)
	})
}

func guardRefusal(g *webui.Guard, r *http.Request) string {
	if g == nil {
		return ""
	}
	return g.Refusal(r)
}

// unrouted turns the mux's answer for a request no pattern matches (404,
// or 405 with Allow when the path is served for other methods) into an
// API error.
func unrouted(mux *http.ServeMux, r *http.Request) *apiError {
	h, pattern := mux.Handler(r)
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if pattern == "" && probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		e := errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow)
		e.allow = allow
		return e
	}
	return errorf(http.StatusNotFound, CodeNotFound, "no route for %s %s: the sandbox serves the webhooks API under %s", r.Method, r.URL.Path, APIPrefix)
}

// unclean reports a path with an empty, "." or ".." segment, which the
// mux would redirect to a cleaned path: the API answers 404 instead, as no
// client of it sends such paths.
func unclean(escapedPath string) bool {
	return strings.Contains(escapedPath, "//") ||
		slices.ContainsFunc(strings.Split(escapedPath, "/"), func(seg string) bool { return seg == "." || seg == ".." })
}

// headerProbe records what a handler would answer, writing nothing.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (p *headerProbe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

// trimTrailingSlash serves /webhooks/ as /webhooks and /webhooks/{id}/ as
// /webhooks/{id}, as the hand-written router before the mux did.
func trimTrailingSlash(r *http.Request) *http.Request {
	if len(r.URL.Path) <= 1 || !strings.HasSuffix(r.URL.Path, "/") {
		return r
	}
	u := *r.URL
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	r2 := r.WithContext(r.Context())
	r2.URL = &u
	return r2
}

// authenticated checks the API key, then applies an injected fault (to the
// emulated API only, never to the sandbox's own routes), then runs h.
func (s *Server) authenticated(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get(APIKeyHeader))
		var err *apiError
		switch {
		case key == "":
			err = errorf(http.StatusUnauthorized, CodeUnauthorized, "missing API key: send it in the %s header", APIKeyHeader)
		case !keyPattern.MatchString(key):
			err = errorf(http.StatusUnauthorized, CodeUnauthorized, "malformed API key: keys look like ek_test_... or ek_live_...")
		default:
			org := orgID(key)
			if !isSandboxRoute(r.URL.Path) {
				err = s.takeFault(org, r)
			}
			if err == nil {
				err = h(w, &request{Request: r, org: org, id: r.PathValue("id")})
			}
		}
		if err != nil {
			writeError(w, err)
		}
	})
}

// listEndpoints: GET /webhooks -> 200 {"data":[endpoint...]} in creation order.
func (s *Server) listEndpoints(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	list := []*endpoint{}
	if o := s.orgs[r.org]; o != nil {
		for _, e := range o.Endpoints {
			list = append(list, e.clone())
		}
	}
	s.mu.Unlock()
	writeData(w, http.StatusOK, list)
	return nil
}

// getEndpoint: GET /webhooks/{id} -> 200 {"data":endpoint}.
func (s *Server) getEndpoint(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	e, err := s.findLocked(r)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	e = e.clone()
	s.mu.Unlock()
	writeData(w, http.StatusOK, e)
	return nil
}

// createEndpoint: POST /webhooks {url, events, description} -> 201 {"data":endpoint}.
func (s *Server) createEndpoint(w http.ResponseWriter, r *request) *apiError {
	fields, aerr := readObject(r)
	if aerr != nil {
		return aerr
	}
	if _, ok := fields["url"]; !ok {
		return invalid("url", "is required")
	}
	url, aerr := stringField(fields, "url")
	if aerr != nil {
		return aerr
	}
	if err := webhook.ValidateEndpointURL(url); err != nil {
		return invalid("url", "%v", err)
	}
	if _, ok := fields["events"]; !ok {
		return invalid("events", "is required: give at least one event")
	}
	events, aerr := eventsField(fields)
	if aerr != nil {
		return aerr
	}
	desc, aerr := stringField(fields, "description")
	if aerr != nil {
		return aerr
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[r.org]
	if o == nil {
		o = &org{}
		s.orgs[r.org] = o
	}
	if len(o.Endpoints) >= webhook.MaxEndpoints {
		return errorf(http.StatusUnprocessableEntity, CodeLimitExceeded,
			"limit of %d webhook endpoints per organization reached: delete one first", webhook.MaxEndpoints)
	}
	id, err := s.randomHexLocked(12)
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "create endpoint: %v", err)
	}
	secret, err := s.newSecretLocked()
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "create endpoint: %v", err)
	}
	now := isoTime(s.cfg.Now())
	e := &endpoint{
		ID: "wh_" + id, URL: url, Events: events, Secret: secret, IsActive: true,
		Description: desc, CreatedAt: now, UpdatedAt: now,
	}
	o.Endpoints = append(o.Endpoints, e)
	if err := s.saveLocked(); err != nil {
		o.Endpoints = o.Endpoints[:len(o.Endpoints)-1]
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	writeData(w, http.StatusCreated, e)
	return nil
}

// updateEndpoint: PATCH /webhooks/{id} with any of url, events, description,
// isActive -> 200 {"data":endpoint}. isActive true also resets the failure
// count; isActive false drops pending retries.
func (s *Server) updateEndpoint(w http.ResponseWriter, r *request) *apiError {
	fields, aerr := readObject(r)
	if aerr != nil {
		return aerr
	}
	var upd endpoint
	if _, ok := fields["url"]; ok {
		if upd.URL, aerr = stringField(fields, "url"); aerr != nil {
			return aerr
		}
		if err := webhook.ValidateEndpointURL(upd.URL); err != nil {
			return invalid("url", "%v", err)
		}
	}
	if _, ok := fields["events"]; ok {
		if upd.Events, aerr = eventsField(fields); aerr != nil {
			return aerr
		}
	}
	_, setDesc := fields["description"]
	if upd.Description, aerr = stringField(fields, "description"); aerr != nil {
		return aerr
	}
	rawActive, setActive := fields["isActive"]
	if setActive {
		if err := json.Unmarshal(rawActive, &upd.IsActive); err != nil || isNull(rawActive) {
			return invalid("isActive", "must be true or false")
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e, aerr := s.findLocked(r)
	if aerr != nil {
		return aerr
	}
	old := e.clone()
	if upd.URL != "" {
		e.URL = upd.URL
	}
	if upd.Events != nil {
		e.Events = upd.Events
	}
	if setDesc {
		e.Description = upd.Description
	}
	if setActive {
		e.IsActive = upd.IsActive
		if upd.IsActive {
			e.ConsecutiveFailures = 0
		}
	}
	e.UpdatedAt = isoTime(s.cfg.Now())
	if err := s.saveLocked(); err != nil {
		*e = *old
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	if !e.IsActive {
		if n := s.dropPendingLocked(r.org, e.ID); n > 0 {
			s.log.printf("endpoint %s disabled: %d pending %s dropped", e.ID, n, text.Plural(n, "retry", "retries"))
		}
	}
	writeData(w, http.StatusOK, e)
	return nil
}

// deleteEndpoint: DELETE /webhooks/{id} -> 204, pending retries dropped.
func (s *Server) deleteEndpoint(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, aerr := s.findLocked(r); aerr != nil {
		return aerr
	}
	o := s.orgs[r.org]
	i, e := o.find(r.id)
	o.Endpoints = append(o.Endpoints[:i:i], o.Endpoints[i+1:]...)
	if err := s.saveLocked(); err != nil {
		o.Endpoints = append(o.Endpoints[:i:i], append([]*endpoint{e}, o.Endpoints[i:]...)...)
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	if n := s.dropPendingLocked(r.org, e.ID); n > 0 {
		s.log.printf("endpoint %s deleted: %d pending %s dropped", e.ID, n, text.Plural(n, "retry", "retries"))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateSecret: POST /webhooks/{id}/rotate-secret -> 200 {"data":endpoint}
// with the new secret; the old one signs nothing from now on.
func (s *Server) rotateSecret(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, aerr := s.findLocked(r)
	if aerr != nil {
		return aerr
	}
	secret, err := s.newSecretLocked()
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "rotate secret: %v", err)
	}
	old := e.clone()
	e.Secret, e.UpdatedAt = secret, isoTime(s.cfg.Now())
	if err := s.saveLocked(); err != nil {
		*e = *old
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	writeData(w, http.StatusOK, e.clone())
	return nil
}

func (s *Server) findLocked(r *request) (*endpoint, *apiError) {
	if o := s.orgs[r.org]; o != nil {
		if _, e := o.find(r.id); e != nil {
			return e, nil
		}
	}
	return nil, errorf(http.StatusNotFound, CodeNotFound, "webhook endpoint %s not found", r.id)
}

// newSecretLocked returns "whsec_" and 32 random bytes in hex.
func (s *Server) newSecretLocked() (string, error) {
	h, err := s.randomHexLocked(32)
	return "whsec_" + h, err
}

// readObject reads a JSON object body into its fields.
func readObject(r *request) (map[string]json.RawMessage, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body exceeds %d bytes", maxBodyBytes)
		}
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "read request body: %v", err)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "request body must be a JSON object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, errorf(http.StatusBadRequest, CodeInvalidJSON, "invalid JSON body: %v", err)
	}
	return fields, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// stringField decodes an optional string field; absent or null is "".
func stringField(fields map[string]json.RawMessage, name string) (string, *apiError) {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", invalid(name, "must be a string")
	}
	return v, nil
}

// eventsField decodes and checks "events": 1 to MaxEvents known names,
// duplicates removed. Each element must be one name (no comma lists).
func eventsField(fields map[string]json.RawMessage) ([]string, *apiError) {
	var names []string
	if err := json.Unmarshal(fields["events"], &names); err != nil || names == nil {
		return nil, invalid("events", "must be an array of event names")
	}
	if len(names) == 0 {
		return nil, invalid("events", "give at least one event")
	}
	if len(names) > webhook.MaxEvents {
		return nil, invalid("events", "%d events given: an endpoint takes at most %d", len(names), webhook.MaxEvents)
	}
	for _, n := range names {
		if strings.Contains(n, ",") {
			return nil, invalid("events", "unknown event %q: give one event name per array element", n)
		}
	}
	events, err := webhook.NormalizeEvents(names)
	if err != nil {
		return nil, invalid("events", "%v", err)
	}
	if len(events) == 0 {
		return nil, invalid("events", "give at least one event")
	}
	return events, nil
}

func writeData(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, map[string]any{"data": v})
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	if rec, ok := w.(*statusRecorder); ok && e.fault {
		rec.fault = true
	}
	writeJSON(w, e.status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"error":{"code":%q,"message":"encode response"}}`+"\n", CodeInternal)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	fault  bool // the answer is an injected fault
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// redactKey is safetext.Redact, the one redaction rule.
func redactKey(key string) string { return safetext.Redact(key) }
