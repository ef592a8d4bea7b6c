package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/erzycall/erzycall/internal/api"
)

// TestExitCode is the table of the one error -> exit code mapping.
func TestExitCode(t *testing.T) {
	apiErr := func(status int) error {
		return fmt.Errorf("list webhooks: %w", &api.Error{StatusCode: status, Message: "x"})
	}
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"401", apiErr(401), 3},
		{"403", apiErr(403), 3},
		{"404", apiErr(404), 4},
		{"400", apiErr(400), 5},
		{"409", apiErr(409), 5},
		{"422", apiErr(422), 5},
		{"429", apiErr(429), 1},
		{"500", apiErr(500), 1},
		{"503", apiErr(503), 1},
		{"flag error", FlagErrorf("bad"), 2},
		{"wrapped flag error", fmt.Errorf("x: %w", FlagErrorf("bad")), 2},
		{"auth error", &AuthError{Err: errors.New("no key")}, 3},
		{"exit error", &ExitError{Code: 7}, 7},
		{"silent", ErrSilent, 1},
		{"exit error wins over what it wraps", &ExitError{Code: 1, Err: FlagErrorf("x")}, 1},
		{"canceled", context.Canceled, 130},
		{"wrapped canceled", fmt.Errorf("GET x: %w", context.Canceled), 130},
		{"deadline", context.DeadlineExceeded, 1},
		{"other", errors.New("boom"), 1},
		{"cancelled confirmation", ErrCancel, 1},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("%s: ExitCode(%v) = %d, want %d", tc.name, tc.err, got, tc.want)
		}
	}
}
