package webhook

import (
	"fmt"

	"github.com/erzycall/erzycall/internal/text"
)

// DisabledReason says why an endpoint is disabled, from its count of
// consecutive failed deliveries when the API gives one (nil when it does
// not): auto-disabled at AutoDisableAfter, else turned off by someone. It
// is the one wording of `webhooks get` and `webhooks check`.
func DisabledReason(consecutiveFailures *int) string {
	switch n := consecutiveFailures; {
	case n != nil && *n >= AutoDisableAfter:
		return fmt.Sprintf("auto-disabled after %d consecutive failed deliveries", *n)
	case n != nil:
		return fmt.Sprintf("turned off, not by failures (%d consecutive failed %s)", *n, text.Plural(*n, "delivery", "deliveries"))
	}
	return fmt.Sprintf("turned off, or auto-disabled after %d consecutive failed deliveries (the API gives no reason)", AutoDisableAfter)
}
