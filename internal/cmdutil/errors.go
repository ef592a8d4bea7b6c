package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/erzycall/erzycall/internal/api"
)

// Exit codes, documented by `erzycall help exit-codes`; ExitCode below maps
// errors to them.
const (
	ExitOK        = 0
	ExitFailure   = 1 // other failure: network, 5xx, a failed delivery or verification
	ExitUsage     = 2 // usage or invalid input: nothing was sent
	ExitAuth      = 3 // no API key, or the API answered 401/403
	ExitNotFound  = 4 // the API answered 404
	ExitRefused   = 5 // the API refused the request as invalid or over a limit
	ExitDrift     = 6 // webhooks diff --exit-code: applying the file would change something
	ExitUnhealthy = 7 // webhooks check: an endpoint is disabled (or missing)
	ExitPartial   = 8 // webhooks apply: some changes were made, then one failed
	// ExitStrict: verify --strict found a valid signature that a handler
	// written from the ErzyCall docs would still reject.
	ExitStrict      = 9
	ExitInterrupted = 130
)

// FlagError is bad input on the command line: exit 2, nothing sent.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a *FlagError with a formatted message.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap turns err into a *FlagError (nil stays nil).
func FlagErrorWrap(err error) error {
	if err == nil {
		return nil
	}
	return &FlagError{Err: err}
}

// AuthError means no usable API key: exit 3.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// ExitError ends the command with Code. When Err is nil nothing more is
// printed: the command has already said what happened.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ErrSilent ends the command with exit 1 without a message.
var ErrSilent = &ExitError{Code: 1}

// ErrCancel is returned when the user declines a confirmation.
var ErrCancel = errors.New("cancelled: nothing was changed")

// ExitCode maps an error to the documented exit code. It is the one place
// that does (internal/app applies it to every command).
func ExitCode(err error) int {
	var (
		exitErr *ExitError
		flagErr *FlagError
		authErr *AuthError
		apiErr  *api.Error
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &exitErr):
		return exitErr.Code
	case errors.As(err, &flagErr):
		return ExitUsage
	case errors.As(err, &authErr):
		return ExitAuth
	case errors.As(err, &apiErr):
		switch apiErr.StatusCode {
		case 401, 403:
			return ExitAuth
		case 404:
			return ExitNotFound
		case 400, 409, 422:
			return ExitRefused
		}
		return ExitFailure
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitFailure
}
