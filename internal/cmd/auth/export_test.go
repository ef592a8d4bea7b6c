package auth

// The run functions, for the tests in package auth_test: those can import
// internal/app (which imports this package) and so assert exit codes with
// app.ExitCode itself.
var (
	LoginRun  = loginRun
	LogoutRun = logoutRun
	StatusRun = statusRun
	TokenRun  = tokenRun
)
