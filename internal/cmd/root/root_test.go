package root

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

func testFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{IOStreams: ios, Flags: &cmdutil.GlobalFlags{}}
}

// TestNouns: the table NewCmdRootFor routes by names every top-level
// command, with the names and aliases the commands themselves declare.
func TestNouns(t *testing.T) {
	f := testFactory()
	for _, n := range nouns {
		c := n.build(f)
		if got := append([]string{c.Name()}, c.Aliases...); !slices.Equal(got, n.names) {
			t.Errorf("noun %v: the command's name and aliases are %v", n.names, got)
		}
	}
	var listed []string
	for _, c := range NewCmdRoot(f).Commands() {
		if c.Name() != "completion" && c.Name() != "help" && !c.IsAdditionalHelpTopicCommand() {
			listed = append(listed, c.Name())
		}
	}
	var want []string
	for _, n := range nouns {
		want = append(want, n.names[0])
	}
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("root commands %v, nouns %v", listed, want)
	}
}

func TestReach(t *testing.T) {
	root := NewCmdRoot(testFactory())
	for _, tc := range []struct {
		args  []string
		only  string // the one noun built; "" for none
		whole bool
	}{
		{args: []string{"--version"}},
		{args: []string{"-v", "--no-color"}},
		{args: []string{"webhooks", "list"}, only: "webhooks"},
		{args: []string{"wh", "ls"}, only: "webhooks"},
		{args: []string{"--api-url", "webhooks", "events"}, only: "events"}, // "webhooks" is the flag's value
		{args: []string{"--api-url=http://x", "--debug", "listen"}, only: "listen"},
		{args: []string{"--debug=true", "trigger", "--version"}, only: "trigger"},
		{args: nil, whole: true},
		{args: []string{}, whole: true},
		{args: []string{"--help"}, whole: true},
		{args: []string{"-h", "webhooks"}, whole: true},
		{args: []string{"help", "webhooks"}, whole: true},
		{args: []string{"completion", "bash"}, whole: true},
		{args: []string{"__complete", "webhooks", ""}, whole: true},
		{args: []string{"--nosuch", "webhooks"}, whole: true},
		{args: []string{"--", "webhooks"}, whole: true},
		{args: []string{"webhoks"}, whole: true},
		{args: []string{"--profile"}, whole: true},
	} {
		only, whole := reach(root, tc.args)
		var got string
		if len(only) == 1 {
			got = only[0].names[0]
		}
		if whole != tc.whole || got != tc.only || len(only) > 1 {
			t.Errorf("reach(%q) = %d nouns (%q), whole %v; want %q, whole %v", tc.args, len(only), got, whole, tc.only, tc.whole)
		}
	}
}

// TestNewCmdRootForFindsWhatTheWholeTreeFinds: for every command of the
// tree, with and without global flags in front, the partial tree routes to
// the same command, with the same help, as the whole one.
func TestNewCmdRootForFindsWhatTheWholeTreeFinds(t *testing.T) {
	f := testFactory()
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
			for _, alias := range sub.Aliases {
				paths = append(paths, append(slices.Clone(path), alias))
			}
		}
	}
	walk(NewCmdRoot(f), nil)
	var argvs [][]string
	for _, p := range paths {
		argvs = append(argvs, p,
			append([]string{"--api-url", "http://127.0.0.1:1", "--debug"}, p...),
			append(append([]string{"--profile=x"}, p...), "--help"),
			append(slices.Clone(p), "nosuch"))
	}
	argvs = append(argvs, []string{"--version"}, []string{"webhoks", "list"})
	for _, argv := range argvs {
		whole, _, wholeErr := NewCmdRoot(f).Find(argv)
		part, _, partErr := NewCmdRootFor(f, argv).Find(argv)
		if (wholeErr == nil) != (partErr == nil) || (wholeErr != nil && wholeErr.Error() != partErr.Error()) {
			t.Errorf("%q: errors differ: %v / %v", argv, wholeErr, partErr)
			continue
		}
		if whole.CommandPath() != part.CommandPath() {
			t.Errorf("%q: whole tree finds %q, partial tree %q", argv, whole.CommandPath(), part.CommandPath())
			continue
		}
		if whole.HasParent() && whole.UsageString() != part.UsageString() {
			t.Errorf("%q: help differs:\n%s\n---\n%s", argv, whole.UsageString(), part.UsageString())
		}
	}
	if n := len(argvs); n < 100 {
		t.Errorf("only %d command lines checked: did the walk find the tree?", n)
	}
	if cmds := NewCmdRootFor(f, []string{"--version"}).Commands(); len(cmds) != 0 {
		t.Errorf("--version built %d commands", len(cmds))
	}
}
