package credentials

import (
	"context"
	"errors"
	"fmt"
	"unicode"
)

// ErrNoWebhookSecret is wrapped by WebhookSecrets.Lookup when no secret is
// stored for the endpoint.
var ErrNoWebhookSecret = errors.New("no saved signing secret")

// WebhookSecrets keeps webhook endpoint signing secrets per profile and
// endpoint id, with the same keyring, fallback and timeout as API keys.
type WebhookSecrets struct {
	s *secretStore
}

// WebhookSecrets returns the store of webhook signing secrets.
func (s *Store) WebhookSecrets() *WebhookSecrets { return &WebhookSecrets{s: s.hooks} }

// webhookUser is the keyring user of an endpoint's secret: endpoint ids are
// only unique within an organisation, and profiles may point at different
// ones (or the sandbox), so the profile is part of the name.
func webhookUser(profile, endpointID string) (user, label string, err error) {
	if err := ValidateProfileName(profile); err != nil {
		return "", "", err
	}
	if endpointID == "" || len(endpointID) > 200 {
		return "", "", fmt.Errorf("invalid webhook endpoint id %s", quoteInput(endpointID))
	}
	for _, r := range endpointID {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r > '~' {
			return "", "", fmt.Errorf("invalid webhook endpoint id %s", quoteInput(endpointID))
		}
	}
	return profile + "/" + endpointID, fmt.Sprintf("webhook %s (profile %q)", endpointID, profile), nil
}

// Save stores the signing secret of endpointID for profile, in the keyring
// unless insecure is set or no keyring answers, and returns where it went.
func (w *WebhookSecrets) Save(ctx context.Context, profile, endpointID, secret string, insecure bool) (Location, error) {
	user, label, err := webhookUser(profile, endpointID)
	if err != nil {
		return Location{}, err
	}
	return w.s.set(ctx, user, secret, label, insecure)
}

// Lookup returns the stored signing secret of endpointID for profile and
// where it was found; the error wraps ErrNoWebhookSecret when there is none.
func (w *WebhookSecrets) Lookup(ctx context.Context, profile, endpointID string) (string, Location, error) {
	user, label, err := webhookUser(profile, endpointID)
	if err != nil {
		return "", Location{}, err
	}
	secret, loc, err := w.s.get(ctx, user, label)
	if errors.Is(err, errSecretNotFound) {
		return "", Location{}, fmt.Errorf("%w for %s", ErrNoWebhookSecret, label)
	}
	return secret, loc, err
}

// Delete removes the signing secret of endpointID for profile from the
// keyring and the file, and reports what was removed.
func (w *WebhookSecrets) Delete(ctx context.Context, profile, endpointID string) (Removal, error) {
	user, label, err := webhookUser(profile, endpointID)
	if err != nil {
		return Removal{}, err
	}
	return w.s.del(ctx, user, label)
}
