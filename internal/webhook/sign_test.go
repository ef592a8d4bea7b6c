package webhook

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

const (
	vectorSecret = "It's a Secret to Everybody"
	vectorBody   = "Hello, World!"
	vectorSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

func TestSignVector(t *testing.T) {
	if got := Sign(vectorSecret, []byte(vectorBody)); got != vectorSig {
		t.Fatalf("Sign = %s, want %s", got, vectorSig)
	}
}

func TestSignUsesWholeSecretAsKey(t *testing.T) {
	body := []byte(`{"event":"call.ended"}`)
	// Computed independently: openssl dgst -sha256 -hmac whsec_abc.
	const want = "sha256=cb695f8773cb8eec7a49b9919fbcde7b2ed6e64539e7c010c332e7d7e0cefac8"
	if got := Sign("whsec_abc", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if Sign("abc", body) == want {
		t.Fatal("Sign ignores the whsec_ prefix of the secret")
	}
}

func TestVerifyVector(t *testing.T) {
	i, err := Verify([]byte(vectorBody), vectorSig, vectorSecret)
	if err != nil || i != 0 {
		t.Fatalf("Verify = %d, %v; want 0, nil", i, err)
	}
}

func TestVerifyAcceptedForms(t *testing.T) {
	hexPart := strings.TrimPrefix(vectorSig, "sha256=")
	for _, h := range []string{
		vectorSig,
		"SHA256=" + hexPart,
		"Sha256=" + hexPart,
		"sha256=" + strings.ToUpper(hexPart),
		"  " + vectorSig + " \t",
		"\n" + vectorSig + "\r\n",
	} {
		if i, err := Verify([]byte(vectorBody), h, vectorSecret); err != nil || i != 0 {
			t.Errorf("Verify(%q) = %d, %v; want 0, nil", h, i, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	hexPart := strings.TrimPrefix(vectorSig, "sha256=")
	tests := []struct {
		name, header string
		want         error
	}{
		{"empty", "", ErrMissingSignature},
		{"only whitespace", "  \t ", ErrMissingSignature},
		{"no prefix", hexPart, ErrMalformedSignature},
		{"other algorithm", "sha1=" + hexPart, ErrMalformedSignature},
		{"prefix only", "sha256=", ErrMalformedSignature},
		{"short prefix", "sha2", ErrMalformedSignature},
		{"space after =", "sha256= " + hexPart, ErrMalformedSignature},
		{"too short", vectorSig[:len(vectorSig)-2], ErrMalformedSignature},
		{"too long", vectorSig + "00", ErrMalformedSignature},
		{"bad hex", vectorSig[:len(vectorSig)-1] + "g", ErrMalformedSignature},
		{"non-ascii", vectorSig[:len(vectorSig)-2] + "é", ErrMalformedSignature},
		{"two signatures", vectorSig + "," + vectorSig, ErrMalformedSignature},
		{"wrong digest", "sha256=" + strings.Repeat("0", 64), ErrNoMatch},
		{"one bit off", vectorSig[:len(vectorSig)-1] + "6", ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i, err := Verify([]byte(vectorBody), tt.header, vectorSecret)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify(%q) error = %v, want %v", tt.header, err, tt.want)
			}
			if i != -1 {
				t.Errorf("index = %d, want -1", i)
			}
			if strings.Contains(err.Error(), vectorSecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestVerifyWrongBodyOrSecret(t *testing.T) {
	if _, err := Verify([]byte(vectorBody+" "), vectorSig, vectorSecret); !errors.Is(err, ErrNoMatch) {
		t.Errorf("changed body: err = %v, want ErrNoMatch", err)
	}
	if _, err := Verify([]byte(vectorBody), vectorSig, "whsec_other"); !errors.Is(err, ErrNoMatch) {
		t.Errorf("other secret: err = %v, want ErrNoMatch", err)
	}
	if _, err := Verify([]byte(vectorBody), vectorSig); !errors.Is(err, ErrNoSecret) {
		t.Errorf("no secrets: err = %v, want ErrNoSecret", err)
	}
}

func TestErrorMessages(t *testing.T) {
	if got, want := ErrMissingSignature.Error(), "missing X-Webhook-Signature header"; got != want {
		t.Errorf("ErrMissingSignature = %q, want %q", got, want)
	}
	_, err := Verify([]byte("x"), "sha256=zz", "whsec_secret")
	if got := err.Error(); !strings.HasPrefix(got, "malformed X-Webhook-Signature header: ") {
		t.Errorf("malformed error = %q", got)
	}
}

func TestVerifierRotation(t *testing.T) {
	body := []byte(`{"event":"contact.created","timestamp":"2025-01-15T10:30:00.000Z","data":{}}`)
	secrets := []string{"whsec_new", "whsec_old", "whsec_older"}
	v := NewVerifier(secrets...)
	for want, s := range secrets {
		// Repeat so pooled, reset HMAC states are exercised.
		for range 3 {
			got, err := v.Verify(body, Sign(s, body))
			if err != nil || got != want {
				t.Fatalf("signed with %s: Verify = %d, %v; want %d, nil", s, got, err, want)
			}
		}
	}
	if _, err := v.Verify(body, Sign("whsec_unknown", body)); !errors.Is(err, ErrNoMatch) {
		t.Fatalf("unknown secret: err = %v, want ErrNoMatch", err)
	}
}

func TestVerifierConcurrent(t *testing.T) {
	v := NewVerifier("whsec_a", "whsec_b")
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				body := []byte(strings.Repeat("x", g*7+i))
				secret, want := "whsec_a", 0
				if i%2 == 1 {
					secret, want = "whsec_b", 1
				}
				if got, err := v.Verify(body, Sign(secret, body)); err != nil || got != want {
					t.Errorf("Verify = %d, %v; want %d", got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVerifierAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items: allocation counts are meaningless")
	}
	v := NewVerifier("whsec_old", "whsec_new")
	body := []byte(strings.Repeat(`{"event":"call.ended"}`, 20))
	sig := Sign("whsec_new", body)
	v.Verify(body, sig) // warm the pools
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := v.Verify(body, sig); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Verify allocates %.1f times per call, want 0", allocs)
	}
}

func BenchmarkVerifier(b *testing.B) {
	body := []byte(`{"event":"call.ended","timestamp":"2025-01-15T10:30:00.000Z","data":{"id":"abc123","status":"ended","to":"+14155551234","from":"+14155559999","duration":45}}`)
	v := NewVerifier("whsec_0123456789abcdef")
	sig := Sign("whsec_0123456789abcdef", body)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(body, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte(vectorBody), vectorSig, vectorSecret)
	f.Add([]byte(`{"event":"call.ended"}`), "sha256=", "whsec_x")
	f.Add([]byte{}, "SHA256=ZZ", "")
	f.Add([]byte("\xff\x00"), " sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 ", "k")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		v := NewVerifier(secret, "whsec_fixed_other")
		i, err := v.Verify(body, header)
		if (err == nil) != (i >= 0) {
			t.Fatalf("Verify = %d, %v: index and error disagree", i, err)
		}
		if err != nil && !errors.Is(err, ErrMissingSignature) && !errors.Is(err, ErrMalformedSignature) && !errors.Is(err, ErrNoMatch) {
			t.Fatalf("unexpected error %v", err)
		}
		sig := Sign(secret, body)
		if i, err := v.Verify(body, sig); err != nil || (i != 0 && secret != "whsec_fixed_other") {
			t.Fatalf("Verify(Sign) = %d, %v", i, err)
		}
		if i, err := v.Verify(body, "  "+strings.ToUpper(sig)+"\n"); err != nil || i < 0 {
			t.Fatalf("Verify(upper-cased Sign) = %d, %v", i, err)
		}
	})
}

func TestSignerMatchesSign(t *testing.T) {
	s := NewSigner(vectorSecret)
	if got := s.Sign([]byte(vectorBody)); got != vectorSig {
		t.Fatalf("Signer.Sign = %s, want %s", got, vectorSig)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			// Pooled, reset HMAC states, used from several goroutines.
			for i := range 100 {
				body := []byte(strings.Repeat("y", g*11+i))
				if got, want := s.Sign(body), Sign(vectorSecret, body); got != want {
					t.Errorf("Signer.Sign(%d bytes) = %s, want %s", len(body), got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	if NewSigner("whsec_a").Sign(nil) == NewSigner("whsec_b").Sign(nil) {
		t.Error("two secrets gave the same signature")
	}
}

func TestSignerAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items: allocation counts are meaningless")
	}
	s := NewSigner("whsec_new")
	body := []byte(strings.Repeat(`{"event":"call.ended"}`, 20))
	s.Sign(body) // warm the pool
	if allocs := testing.AllocsPerRun(200, func() { s.Sign(body) }); allocs > 1 {
		t.Errorf("Signer.Sign allocates %.1f times per call, want 1 (the string)", allocs)
	}
}
