package testutil

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/erzycall/erzycall/internal/webhook"
)

// BareReceiver is the baseline the listener must keep pace with: what a
// minimal hand-written receiver does — read the body (up to maxBody),
// check the HMAC, answer 200.
func BareReceiver(secret string, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		want := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get(webhook.SignatureHeader))) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "OK\n")
	})
}
