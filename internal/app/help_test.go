package app

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/erzycall/erzycall/internal/cmd/root"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// A boolean flag takes no value, so its usage must not name one: pflag
// reads a `quoted` word of the usage as the value's name, and the help
// would show "--save-secret erzycall listen --webhook ID".
func TestBoolFlagsNameNoValue(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			name, _ := pflag.UnquoteUsage(f)
			if f.Value.Type() == "bool" && name != "" {
				t.Errorf("%s --%s: the usage names a value %q", c.CommandPath(), f.Name, name)
			}
			// A `quoted` phrase would become the placeholder: one word only.
			if strings.ContainsAny(name, " \t") {
				t.Errorf("%s --%s: the value's placeholder is %q, not one word", c.CommandPath(), f.Name, name)
			}
			// On by default, a boolean flag could only be turned off with
			// =false, and its help would read "(default true)".
			if f.Value.Type() == "bool" && f.DefValue != "false" && f.Name != "help" {
				t.Errorf("%s --%s: a boolean flag that defaults to %s", c.CommandPath(), f.Name, f.DefValue)
			}
		}
		c.LocalFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root.NewCmdRoot(newTestFactory(t, ios, nil, nil)))
}

// Every exit code is documented by `erzycall help exit-codes`.
func TestExitCodesAreDocumented(t *testing.T) {
	r := runApp(t, nil, nil, "help", "exit-codes")
	for _, code := range []int{
		cmdutil.ExitOK, cmdutil.ExitFailure, cmdutil.ExitUsage, cmdutil.ExitAuth, cmdutil.ExitNotFound,
		cmdutil.ExitRefused, cmdutil.ExitDrift, cmdutil.ExitUnhealthy, cmdutil.ExitPartial, cmdutil.ExitInterrupted,
	} {
		if !regexp.MustCompile(`(?m)^  ` + strconv.Itoa(code) + ` +\S`).MatchString(r.out) {
			t.Errorf("exit code %d is not in `help exit-codes`:\n%s", code, r.out)
		}
	}
}
