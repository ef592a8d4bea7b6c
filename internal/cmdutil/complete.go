package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/webhook"
)

// CompleteEventList completes an --events flag: the last element of a
// comma-separated list, leaving out the events already given.
func CompleteEventList(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	done, last := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := map[string]bool{}
	for _, e := range strings.Split(done, ",") {
		given[e] = true
	}
	var out []cobra.Completion
	for _, e := range webhook.Events {
		if !given[e.Name] && strings.HasPrefix(e.Name, last) {
			out = append(out, cobra.CompletionWithDesc(done+e.Name, e.Description))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// CompleteEventArg completes an EVENT argument (the first one only).
func CompleteEventArg(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	out := make([]cobra.Completion, 0, len(webhook.Events))
	for _, e := range webhook.Events {
		out = append(out, cobra.CompletionWithDesc(e.Name, e.Description))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
