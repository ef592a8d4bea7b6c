package inspector

import (
	"bytes"
	"net/http"
	"sync"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
)

// entry is one delivery received, or one replay sent, as the inspector
// keeps it: copies, never references into the listener's buffers.
type entry struct {
	seq int64
	// A delivery: what the listener saw and did.
	d          listener.Delivery // Payload dropped (the body is kept)
	method     string
	requestURI string
	host       string
	header     http.Header
	body       []byte // at most MaxBody bytes
	truncated  bool   // body holds only the start
	fwd        *forwardCopy

	// A replay: sent by the inspector, not received.
	replay *replayInfo
}

type forwardCopy struct {
	header, respHeader http.Header
	respBody           []byte
}

// replayInfo describes a replay entry: its request is header/body of the
// entry, sent to url; d.Status, d.Forward hold the answer.
type replayInfo struct {
	of      int64  // the entry replayed
	url     string // where it was sent
	signing string // how it was signed, for people: "original signature", "re-signed with whsec_…abcd"
	edited  bool
	status  int // 0: no answer
	errText string
	latency time.Duration
	sentAt  time.Time
	respHdr http.Header
	resp    []byte
}

func (e *entry) failed() bool {
	if e.replay != nil {
		return e.replay.status < 200 || e.replay.status > 299
	}
	return e.d.Status < 200 || e.d.Status > 299
}

// ring holds the last size entries. Sequence numbers are contiguous, so an
// entry is found by its number in constant time, and memory is bounded:
// size entries, each body at most MaxBody.
type ring struct {
	mu      sync.Mutex
	entries []*entry
	next    int64 // the seq of the next entry; the first is 1
	// changed is closed (and replaced) when an entry is added while a
	// stream waits for one; nobody waiting costs nothing.
	changed chan struct{}
	waiting bool
}

func newRing(size int) *ring {
	return &ring{entries: make([]*entry, size), next: 1, changed: make(chan struct{})}
}

// add stores e, giving it the next sequence number, which it returns.
func (r *ring) add(e *entry) int64 {
	r.mu.Lock()
	e.seq = r.next
	r.next++
	r.entries[e.seq%int64(len(r.entries))] = e
	if r.waiting {
		close(r.changed)
		r.changed = make(chan struct{})
		r.waiting = false
	}
	r.mu.Unlock()
	return e.seq
}

// get returns the entry seq, or nil when it is unknown or was dropped.
func (r *ring) get(seq int64) *entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.getLocked(seq)
}

func (r *ring) getLocked(seq int64) *entry {
	if seq < 1 || seq >= r.next {
		return nil
	}
	if e := r.entries[seq%int64(len(r.entries))]; e != nil && e.seq == seq {
		return e
	}
	return nil
}

// since returns the entries after seq, oldest first. reset reports that
// the caller's view cannot be continued — some entries after seq are no
// longer kept, or seq is beyond the last entry (it counted in another
// ring) — and out is then every entry kept. wait, when there are none, is
// closed when one arrives.
func (r *ring) since(seq int64) (out []*entry, reset bool, wait <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := max(r.next-int64(len(r.entries)), 1)
	if seq+1 < first || seq >= r.next {
		reset = true
		seq = first - 1
	}
	for s := seq + 1; s < r.next; s++ {
		if e := r.getLocked(s); e != nil {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		r.waiting = true
		wait = r.changed
	}
	return out, reset, wait
}

// replaysOf lists the entries that replayed seq, oldest first.
func (r *ring) replaysOf(seq int64) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for s := max(r.next-int64(len(r.entries)), 1); s < r.next; s++ {
		if e := r.getLocked(s); e != nil && e.replay != nil && e.replay.of == seq {
			out = append(out, s)
		}
	}
	return out
}

// newEntry copies what the inspector keeps of a captured exchange.
func newEntry(x *listener.Exchange, maxBody int) *entry {
	e := &entry{
		d: *x.Delivery, method: x.Request.Method, requestURI: x.Request.URL.RequestURI(),
		host: x.Request.Host, header: x.Request.Header.Clone(),
	}
	e.d.Payload = nil
	if x.Body != nil {
		b := x.Body
		if len(b) > maxBody {
			b, e.truncated = b[:maxBody], true
		}
		e.body = append(make([]byte, 0, len(b)), b...)
	}
	if f := x.Forward; f != nil {
		e.fwd = &forwardCopy{header: f.Header.Clone(), respHeader: f.ResponseHeader.Clone(), respBody: bytes.Clone(f.ResponseBody)}
	}
	return e // d.Forward is the listener's own allocation, never reused
}
