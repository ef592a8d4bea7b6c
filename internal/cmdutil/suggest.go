package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/erzycall/erzycall/internal/text"
)

// UnknownCommand is the usage error (exit 2) of a word that names no
// subcommand (nor help topic) of cmd, with the closest one, worded as every
// "unknown ..." is (text.DidYouMean):
//
//	unknown command "webhoks" for "erzycall": did you mean webhooks?
func UnknownCommand(cmd *cobra.Command, word string) error {
	var candidates []string
	name := map[string]string{} // a name or alias -> the command's name
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand() && c.Name() != "help" {
			continue
		}
		for _, n := range append([]string{c.Name()}, c.Aliases...) {
			candidates = append(candidates, n)
			name[n] = c.Name()
		}
	}
	suggestion := name[text.Closest(word, candidates, 2)]
	return FlagErrorf("unknown command %q for %q%s", word, cmd.CommandPath(), text.DidYouMean(suggestion))
}

// NoUnknownSubcommand is the Args of a command group (webhooks, auth, the
// root, ...): a word that names no subcommand is a usage error (exit 2)
// with a suggestion, where cobra alone would print help and exit 0.
func NoUnknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return UnknownCommand(cmd, args[0])
}

// ShowHelp is the RunE of a command group: it prints the group's help.
func ShowHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// flagHints are flags of other tools people type, and what to use here.
// In hint, %s is the flag's value on the command line.
var flagHints = []struct {
	command, flag, hint string
	needs               string // a flag the command must have for the hint to apply
}{
	{command: "listen", flag: "port", hint: "use --addr 127.0.0.1:%s"},
	{command: "trigger", flag: "url", hint: "use --to %s"},
	{flag: "json", hint: "use -o json (or --jq EXPRESSION)", needs: "output"},
	{flag: "format", hint: "use -o %s", needs: "output"},
}

// SuggestFlag is the root's FlagErrorFunc: pflag's errors become usage errors
// (exit 2), and an unknown flag gets a suggestion: the flag to use instead
// of another tool's (`listen --port 4000`: use --addr 127.0.0.1:4000), else
// the closest flag of the command, in the one "did you mean" wording:
//
//	unknown flag "--outpt" for "erzycall webhooks list": did you mean --output?
//
// args is the command line, for the flag's value in a hint (nil: unknown).
func SuggestFlag(cmd *cobra.Command, err error, args []string) error {
	msg := err.Error()
	var given, name string
	if rest, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		name, _, _ = strings.Cut(rest, "=")
		given = "--" + name
	} else if rest, ok := strings.CutPrefix(msg, "unknown shorthand flag: '"); ok && len(rest) > 0 {
		given = "-" + rest[:1]
	} else {
		return FlagErrorWrap(err)
	}
	prefix := fmt.Sprintf("unknown flag %q for %q", given, cmd.CommandPath())
	if name != "" {
		for _, h := range flagHints {
			if h.flag == name && (h.command == "" || h.command == cmd.Name()) && (h.needs == "" || cmd.Flags().Lookup(h.needs) != nil) {
				hint := h.hint
				if strings.Contains(hint, "%s") {
					hint = fmt.Sprintf(hint, flagValue(args, name, strings.ToUpper(name)))
				}
				return FlagErrorf("%s: %s", prefix, hint)
			}
		}
	}
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	suggestion := ""
	if name != "" {
		if s := text.Closest(name, names, 2); s != "" {
			suggestion = "--" + s
		}
	}
	return FlagErrorf("%s%s", prefix, text.DidYouMean(suggestion))
}

// flagValue is the value given to --name on the command line (--name V or
// --name=V), else def.
func flagValue(args []string, name, def string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok && v != "" {
			return v
		}
		if a == "--"+name && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			return args[i+1]
		}
	}
	return def
}
