package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/erzycall/erzycall/internal/text"
)

// The test aids: a log of the API requests each organisation made, and
// faults injected on purpose. They let a script check what a client sent
// ("the second apply wrote nothing") and how it copes with a failure half
// way ("the second create fails with 500"). Both are per organisation (per
// key), kept in memory only, and concern the emulated webhooks API: the
// sandbox's own routes under /sandbox are neither logged nor failed.

// maxLoggedBody bounds the request body kept in the request log.
const maxLoggedBody = 4 << 10

// maxFaults bounds the faults an organisation may have waiting.
const maxFaults = 100

// Request is one API request, as GET /api/v1/sandbox/requests lists it.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Body is the JSON the client sent (absent when there was none, when it
	// was not JSON or longer than 4 KiB).
	Body   json.RawMessage `json:"body,omitempty"`
	Status int             `json:"status"`
	Fault  bool            `json:"fault,omitempty"` // failed by an injected fault
	// Time is when the request came, written like the payload timestamps.
	Time isoTime `json:"time"`

	org string
}

// Fault makes requests fail on purpose: of the requests matching Method
// and Path, the next Skip go through, then the next Count get Status.
type Fault struct {
	// Method is GET, POST, PATCH or DELETE; empty matches any.
	Method string `json:"method,omitempty"`
	// Path is a request path such as /api/v1/webhooks; a final * matches
	// any rest (/api/v1/webhooks/*); empty matches any path.
	Path   string `json:"path,omitempty"`
	Status int    `json:"status"`
	Skip   int    `json:"skip"`
	Count  int    `json:"count"`

	org string
}

func (f *Fault) matches(r *http.Request) bool {
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	if prefix, ok := strings.CutSuffix(f.Path, "*"); ok {
		return strings.HasPrefix(r.URL.Path, prefix)
	}
	return f.Path == "" || f.Path == r.URL.Path
}

func isSandboxRoute(path string) bool {
	return strings.HasPrefix(path, APIPrefix+"/sandbox/") || path == APIPrefix+"/sandbox"
}

// teeBody keeps a copy of the first maxLoggedBody+1 bytes of the request
// body as the handler reads it, for the request log.
func teeBody(r *http.Request) *bytes.Buffer {
	var buf bytes.Buffer
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(r.Body, &limitedWriter{w: &buf, n: maxLoggedBody + 1}), r.Body}
	}
	return &buf
}

// limitedWriter keeps the first n bytes and swallows the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// recordRequest adds a request of a well-formed key to the request log.
func (s *Server) recordRequest(key string, r *http.Request, rec *statusRecorder, body *bytes.Buffer) {
	if !keyPattern.MatchString(key) || isSandboxRoute(r.URL.Path) {
		return
	}
	// A request failed before its handler read the body (an injected fault)
	// still shows what was sent: read the rest of the logged part.
	if r.Body != nil && body.Len() <= maxLoggedBody {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, int64(maxLoggedBody+1-body.Len())))
	}
	q := Request{Method: r.Method, Path: r.URL.Path, Status: rec.code(), Fault: rec.fault, Time: isoTime(s.cfg.Now()), org: orgID(key)}
	if b := bytes.TrimSpace(body.Bytes()); len(b) > 0 && len(b) <= maxLoggedBody && json.Valid(b) {
		var compact bytes.Buffer
		if json.Compact(&compact, b) == nil {
			q.Body = compact.Bytes()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) >= s.cfg.HistoryLimit {
		s.requests = slices.Delete(s.requests, 0, len(s.requests)-s.cfg.HistoryLimit+1)
	}
	s.requests = append(s.requests, q)
}

// listRequests: GET /sandbox/requests[?method=] -> 200 {"data":[Request...]},
// oldest first, this organisation's only.
func (s *Server) listRequests(w http.ResponseWriter, r *request) *apiError {
	method := r.URL.Query().Get("method")
	list := []Request{}
	s.mu.Lock()
	for _, q := range s.requests {
		if q.org == r.org && (method == "" || strings.EqualFold(method, q.Method)) {
			list = append(list, q)
		}
	}
	s.mu.Unlock()
	writeData(w, http.StatusOK, list)
	return nil
}

// clearRequests: DELETE /sandbox/requests -> 204: this organisation's log
// starts over.
func (s *Server) clearRequests(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	s.requests = slices.DeleteFunc(s.requests, func(q Request) bool { return q.org == r.org })
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// addFault: POST /sandbox/faults {method?, path?, status?, skip?, count?}
// -> 201 {"data":Fault}. Status defaults to 500 and Count to 1.
func (s *Server) addFault(w http.ResponseWriter, r *request) *apiError {
	fields, aerr := readObject(r)
	if aerr != nil {
		return aerr
	}
	f := Fault{Status: http.StatusInternalServerError, Count: 1, org: r.org}
	if f.Method, aerr = stringField(fields, "method"); aerr != nil {
		return aerr
	}
	f.Method = strings.ToUpper(f.Method)
	switch f.Method {
	case "", http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete:
	default:
		return invalid("method", "must be GET, POST, PATCH or DELETE (or absent for any)")
	}
	if f.Path, aerr = stringField(fields, "path"); aerr != nil {
		return aerr
	}
	if f.Path != "" && (!strings.HasPrefix(f.Path, APIPrefix+"/") || isSandboxRoute(f.Path)) {
		return invalid("path", "must be a path of the API under %s/, such as %s/webhooks or %s/webhooks/*, not of the sandbox's own routes", APIPrefix, APIPrefix, APIPrefix)
	}
	for _, n := range []struct {
		name     string
		v        *int
		min, max int
	}{{"status", &f.Status, 400, 599}, {"skip", &f.Skip, 0, 1000}, {"count", &f.Count, 1, 1000}} {
		raw, ok := fields[n.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, n.v); err != nil || isNull(raw) || *n.v < n.min || *n.v > n.max {
			return invalid(n.name, "must be a whole number from %d to %d", n.min, n.max)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, g := range s.faults {
		if g.org == r.org {
			n++
		}
	}
	if n >= maxFaults {
		return errorf(http.StatusUnprocessableEntity, CodeLimitExceeded, "%d faults are waiting already: clear them with DELETE %s/sandbox/faults", n, APIPrefix)
	}
	s.faults = append(s.faults, &f)
	s.log.printf("fault injected: %s %s -> %d, after %d, %d %s", orAny(f.Method), orAny(clean(f.Path)), f.Status, f.Skip, f.Count, text.Plural(f.Count, "time", "times"))
	writeData(w, http.StatusCreated, f)
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// clearFaults: DELETE /sandbox/faults -> 204: this organisation's waiting
// faults are dropped.
func (s *Server) clearFaults(w http.ResponseWriter, r *request) *apiError {
	s.mu.Lock()
	s.faults = slices.DeleteFunc(s.faults, func(f *Fault) bool { return f.org == r.org })
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// takeFault returns the injected failure for r, if a fault of org says so.
// The first fault that matches decides: it lets the request through while
// it has some to skip, else fails it. A fault is gone once used up.
func (s *Server) takeFault(org string, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.org != org || !f.matches(r) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			return nil
		}
		f.Count--
		if f.Count == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		e := errorf(f.Status, CodeInjectedFault, "%s %s failed on purpose: a fault set with POST %s/sandbox/faults", r.Method, r.URL.Path, APIPrefix)
		e.fault = true
		return e
	}
	return nil
}
