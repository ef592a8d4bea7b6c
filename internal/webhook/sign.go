package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/erzycall/erzycall/internal/safetext"
)

// SignatureHeader is the HTTP header that carries a delivery's signature.
const SignatureHeader = "X-Webhook-Signature"

// signaturePrefix starts every signature value; compared case-insensitively.
const signaturePrefix = "sha256="

// Verification errors. Use errors.Is: Verify may wrap them with detail.
// None of them ever contains a secret.
var (
	ErrMissingSignature   = errors.New("missing " + SignatureHeader + " header")
	ErrMalformedSignature = errors.New("malformed " + SignatureHeader + " header")
	ErrNoMatch            = errors.New("invalid signature: it matches no configured secret")
	ErrNoSecret           = errors.New("no webhook secret configured")
)

// Sign returns the X-Webhook-Signature value of body: "sha256=" followed by
// the lowercase hex HMAC-SHA256 of the raw body, keyed with the secret's bytes
// (the "whsec_" prefix is part of the key).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	var sum [sha256.Size]byte
	out := make([]byte, len(signaturePrefix)+2*sha256.Size)
	copy(out, signaturePrefix)
	hex.Encode(out[len(signaturePrefix):], m.Sum(sum[:0]))
	return string(out)
}

// Verifier checks signatures against one or more secrets (several during a
// rotation). It keeps keyed HMAC states in pools, so a request costs no key
// setup. It is safe for concurrent use.
type Verifier struct {
	pools []sync.Pool // of *macState, one pool per secret
}

type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// NewVerifier returns a Verifier for secrets, tried in order.
func NewVerifier(secrets ...string) *Verifier {
	v := &Verifier{pools: make([]sync.Pool, len(secrets))}
	for i, s := range secrets {
		key := []byte(s)
		v.pools[i].New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	}
	return v
}

// Len returns the number of secrets.
func (v *Verifier) Len() int { return len(v.pools) }

// Verify checks header (the X-Webhook-Signature value) against body and
// returns the index of the secret that produced it. The "sha256=" prefix and
// the hex digits may be in any case; surrounding whitespace is ignored.
// Errors match ErrMissingSignature, ErrMalformedSignature, ErrNoSecret or
// ErrNoMatch with errors.Is.
func (v *Verifier) Verify(body []byte, header string) (int, error) {
	var want [sha256.Size]byte
	if err := parseSignature(header, &want); err != nil {
		return -1, err
	}
	if len(v.pools) == 0 {
		return -1, ErrNoSecret
	}
	for i := range v.pools {
		st := v.pools[i].Get().(*macState)
		st.h.Reset()
		st.h.Write(body)
		ok := hmac.Equal(st.h.Sum(st.sum[:0]), want[:])
		v.pools[i].Put(st)
		if ok {
			return i, nil
		}
	}
	return -1, ErrNoMatch
}

// Verify is a one-shot Verifier.Verify; prefer a Verifier for many requests.
func Verify(body []byte, header string, secrets ...string) (int, error) {
	return NewVerifier(secrets...).Verify(body, header)
}

func parseSignature(header string, dst *[sha256.Size]byte) error {
	s := strings.TrimSpace(header)
	if s == "" {
		return ErrMissingSignature
	}
	if len(s) < len(signaturePrefix) || !strings.EqualFold(s[:len(signaturePrefix)], signaturePrefix) {
		return fmt.Errorf("%w: want sha256=<64 hex digits>", ErrMalformedSignature)
	}
	digits := s[len(signaturePrefix):]
	if len(digits) != 2*sha256.Size {
		return fmt.Errorf("%w: want 64 hex digits after sha256=, got %d characters", ErrMalformedSignature, len(digits))
	}
	for i := range dst {
		hi, ok1 := fromHex(digits[2*i])
		lo, ok2 := fromHex(digits[2*i+1])
		if !ok1 || !ok2 {
			return fmt.Errorf("%w: not hexadecimal", ErrMalformedSignature)
		}
		dst[i] = hi<<4 | lo
	}
	return nil
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// RedactSecret is safetext.Redact, the one redaction rule, under the name
// the listener still calls; new code calls safetext.Redact.
func RedactSecret(secret string) string { return safetext.Redact(secret) }
