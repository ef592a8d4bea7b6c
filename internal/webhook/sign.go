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
// (the "whsec_" prefix is part of the key). To sign many bodies with one
// secret, use a Signer.
func Sign(secret string, body []byte) string { return NewSigner(secret).Sign(body) }

// Signer signs with one secret. It keeps keyed HMAC states in a pool, so a
// signature costs no key setup. It is safe for concurrent use.
type Signer struct {
	pool sync.Pool // of *macState
}

type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// NewSigner returns a Signer for secret.
func NewSigner(secret string) *Signer {
	s := new(Signer)
	s.init(secret)
	return s
}

func (s *Signer) init(secret string) {
	key := []byte(secret)
	s.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
}

// Sign returns the X-Webhook-Signature value of body (see the function Sign).
func (s *Signer) Sign(body []byte) string {
	var out [len(signaturePrefix) + 2*sha256.Size]byte
	copy(out[:], signaturePrefix)
	st := s.mac(body)
	hex.Encode(out[len(signaturePrefix):], st.sum[:])
	s.pool.Put(st)
	return string(out[:])
}

// matches reports whether want is the HMAC of body, in constant time.
func (s *Signer) matches(body []byte, want *[sha256.Size]byte) bool {
	st := s.mac(body)
	ok := hmac.Equal(st.sum[:], want[:])
	s.pool.Put(st)
	return ok
}

// mac returns a pooled state holding the HMAC of body in sum; Put it back.
func (s *Signer) mac(body []byte) *macState {
	st := s.pool.Get().(*macState)
	st.h.Reset()
	st.h.Write(body)
	st.h.Sum(st.sum[:0])
	return st
}

// Verifier checks signatures against one or more secrets (several during a
// rotation), with one Signer per secret. It is safe for concurrent use.
type Verifier struct {
	signers []Signer
}

// NewVerifier returns a Verifier for secrets, tried in order.
func NewVerifier(secrets ...string) *Verifier {
	v := &Verifier{signers: make([]Signer, len(secrets))}
	for i, s := range secrets {
		v.signers[i].init(s)
	}
	return v
}

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
	if len(v.signers) == 0 {
		return -1, ErrNoSecret
	}
	for i := range v.signers {
		if v.signers[i].matches(body, &want) {
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
	var buf [2 * sha256.Size]byte // hex.Decode wants bytes; a copy on the stack costs no allocation
	copy(buf[:], digits)
	if _, err := hex.Decode(dst[:], buf[:]); err != nil {
		return fmt.Errorf("%w: not hexadecimal", ErrMalformedSignature)
	}
	return nil
}
