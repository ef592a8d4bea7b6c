// Package testutil holds helpers shared by the tests of several packages:
// a fake ErzyCall API, a runner for cobra commands and the checks that go
// with it, and a buffer safe for concurrent use.
//
// It is a normal package only so that tests of other packages can import
// it: it must be imported by _test.go files alone, never by the program.
package testutil
