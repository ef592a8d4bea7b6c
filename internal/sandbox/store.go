package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/erzycall/erzycall/internal/config"
	"github.com/erzycall/erzycall/internal/webhook"
)

// stateVersion is the format version of the state file.
const stateVersion = 1

// endpoint is a webhook endpoint, as the API returns it and as the state
// file keeps it.
type endpoint struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Secret      string   `json:"secret"`
	IsActive    bool     `json:"isActive"`
	Description string   `json:"description"`
	CreatedAt   isoTime  `json:"createdAt"`
	UpdatedAt   isoTime  `json:"updatedAt"`
	// ConsecutiveFailures counts failed deliveries since the last success.
	ConsecutiveFailures int `json:"consecutiveFailures"`
}

func (e *endpoint) subscribed(event string) bool { return slices.Contains(e.Events, event) }

func (e *endpoint) clone() *endpoint {
	c := *e
	c.Events = slices.Clone(e.Events)
	return &c
}

// org is one API key's organisation: its endpoints in creation order.
type org struct {
	Endpoints []*endpoint `json:"endpoints"`
}

func (o *org) find(id string) (int, *endpoint) {
	for i, e := range o.Endpoints {
		if e.ID == id {
			return i, e
		}
	}
	return -1, nil
}

// orgID names the organisation of an API key without keeping the key.
func orgID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// stateFile is the on-disk form.
type stateFile struct {
	Version       int             `json:"version"`
	Organizations map[string]*org `json:"organizations"`
}

func loadState(path string) (map[string]*org, error) {
	data, err := os.ReadFile(path)
	if config.IsNotExist(err) {
		return map[string]*org{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read state %s: %w (move the file away to start empty)", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("read state %s: unsupported version %d (want %d)", path, st.Version, stateVersion)
	}
	orgs := map[string]*org{}
	for id, o := range st.Organizations {
		if o == nil {
			continue
		}
		for _, e := range o.Endpoints {
			if e == nil || e.ID == "" || e.Secret == "" {
				return nil, fmt.Errorf("read state %s: an endpoint lacks its id or secret", path)
			}
		}
		orgs[id] = o
	}
	return orgs, nil
}

// saveLocked writes the state file, when there is one. The caller holds s.mu.
func (s *Server) saveLocked() error {
	if s.cfg.StatePath == "" {
		return nil
	}
	st := stateFile{Version: stateVersion, Organizations: map[string]*org{}}
	for id, o := range s.orgs {
		if len(o.Endpoints) > 0 {
			st.Organizations[id] = o
		}
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := config.WriteFileAtomic(s.cfg.StatePath, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// isoTime encodes like the payload timestamps (webhook.FormatTimestamp:
// JavaScript's Date.prototype.toISOString, UTC with milliseconds).
type isoTime time.Time

func (t isoTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + webhook.FormatTimestamp(time.Time(t)) + `"`), nil
}

func (t *isoTime) UnmarshalJSON(b []byte) error {
	var tt time.Time
	if err := json.Unmarshal(b, &tt); err != nil {
		return err
	}
	*t = isoTime(tt)
	return nil
}
