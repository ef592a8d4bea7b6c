package perf

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/erzycall/erzycall/internal/listener"
	"github.com/erzycall/erzycall/internal/webhook"
)

const secret = "whsec_perf_0123456789abcdef0123"

// deliveries are pre-signed distinct bodies, so that signing is not part of
// what is measured and duplicate marking does not kick in.
type deliveries struct {
	bodies [][]byte
	sigs   []string
}

func newDeliveries(tb testing.TB, n int) *deliveries {
	tb.Helper()
	d := &deliveries{bodies: make([][]byte, n), sigs: make([]string, n)}
	r := rand.New(rand.NewPCG(7, 7))
	ts := time.Now().UTC()
	for i := range n {
		data := webhook.SampleData("call.ended", r, ts)
		data.Set("id", fmt.Sprintf("call_%08d", i))
		body, err := webhook.NewPayload("call.ended", ts, data)
		if err != nil {
			tb.Fatal(err)
		}
		d.bodies[i], d.sigs[i] = body, webhook.Sign(secret, body)
	}
	return d
}

// appHandler is a local app: it reads the body and answers 200.
func appHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok\n")
	})
}

// serve runs h on 127.0.0.1 with the listen command's server timeouts and
// returns its base URL; the server is shut down when the test ends.
func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func newListener(tb testing.TB, cfg listener.Config) *listener.Listener {
	tb.Helper()
	cfg.Secrets = []string{secret}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Format == "" {
		cfg.Format = listener.FormatJSON
	}
	l, err := listener.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// newClient keeps up to conns keep-alive connections to one host.
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns,
		DisableCompression: true, IdleConnTimeout: time.Minute,
	}}
}

// post sends one signed delivery and reads the whole answer.
func post(c *http.Client, url string, body []byte, sig string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header[webhook.SignatureHeader] = []string{sig}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// blast sends n deliveries (d's bodies from offset on, cycling) to url from
// conc goroutines and returns how long it took; any answer other than 200
// is an error.
func blast(c *http.Client, url string, d *deliveries, offset, n, conc int) (time.Duration, error) {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				k := (offset + i) % len(d.bodies)
				status, err := post(c, url, d.bodies[k], d.sigs[k])
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("status %d", status)
				}
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if p := failed.Load(); p != nil {
		return 0, *p
	}
	return time.Since(start), nil
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

func sortedCopy(d []time.Duration) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s
}
