//go:build ignore

// upstream is the app of scripts/bench/proxy.sh: it reads each request's
// body and answers 200 "ok", on the loopback address given as its argument.
package main

import (
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	srv := &http.Server{
		Addr:              os.Args[1],
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "ok")
		}),
	}
	if err := srv.ListenAndServe(); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
}
