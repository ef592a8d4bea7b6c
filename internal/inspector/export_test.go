package inspector

// For the browser tests, which are an external package (they import
// testutil, which imports the session, which imports this package).
type (
	Setup       = setup
	SummaryJSON = summaryJSON
)

var (
	NewSetup   = newSetup
	NewSetupOn = newSetupOn
	CallBody   = callBody
)

const (
	DevSecret    = devSecret
	VerifySecret = verifySecret
)
