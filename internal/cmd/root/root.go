// Package root assembles the erzycall command tree: global flags, command
// groups and help topics.
package root

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/erzycall/erzycall/internal/build"
	apiCmd "github.com/erzycall/erzycall/internal/cmd/api"
	"github.com/erzycall/erzycall/internal/cmd/auth"
	"github.com/erzycall/erzycall/internal/cmd/events"
	"github.com/erzycall/erzycall/internal/cmd/listen"
	"github.com/erzycall/erzycall/internal/cmd/replay"
	"github.com/erzycall/erzycall/internal/cmd/sandbox"
	"github.com/erzycall/erzycall/internal/cmd/trigger"
	"github.com/erzycall/erzycall/internal/cmd/verify"
	versionCmd "github.com/erzycall/erzycall/internal/cmd/version"
	"github.com/erzycall/erzycall/internal/cmd/webhooks"
	"github.com/erzycall/erzycall/internal/cmdutil"
)

// Command groups shown in help.
const (
	groupEndpoints = "endpoints"
	groupLocal     = "local"
	groupSetup     = "setup"
)

// noun is a top-level command. Building one costs a few hundred
// allocations (every flag of every subcommand), so a command line builds
// only the noun it names (see NewCmdRootFor).
type noun struct {
	names []string // its name and aliases, as its Use and Aliases say (TestNouns checks)
	group string
	build func(*cmdutil.Factory) *cobra.Command
}

// nouns are the top-level commands, in the order help lists them.
var nouns = []noun{
	{[]string{"webhooks", "wh"}, groupEndpoints, webhooks.NewCmdWebhooks},
	{[]string{"events"}, groupEndpoints, func(f *cmdutil.Factory) *cobra.Command { return events.NewCmdEvents(f, nil) }},
	{[]string{"api"}, groupEndpoints, func(f *cmdutil.Factory) *cobra.Command { return apiCmd.NewCmdAPI(f, nil) }},
	{[]string{"listen"}, groupLocal, func(f *cmdutil.Factory) *cobra.Command { return listen.NewCmdListen(f, nil) }},
	{[]string{"verify"}, groupLocal, func(f *cmdutil.Factory) *cobra.Command { return verify.NewCmdVerify(f, nil) }},
	{[]string{"trigger"}, groupLocal, func(f *cmdutil.Factory) *cobra.Command { return trigger.NewCmdTrigger(f, nil) }},
	{[]string{"replay"}, groupLocal, func(f *cmdutil.Factory) *cobra.Command { return replay.NewCmdReplay(f, nil) }},
	{[]string{"sandbox"}, groupLocal, sandbox.NewCmdSandbox},
	{[]string{"version"}, groupSetup, func(f *cmdutil.Factory) *cobra.Command { return versionCmd.NewCmdVersion(f, nil) }},
	{[]string{"auth"}, groupSetup, auth.NewCmdAuth},
}

// NewCmdRoot builds the whole command tree around f: for help, completion
// scripts and generated docs.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	return newCmdRoot(f, nil)
}

// NewCmdRootFor builds the part of the tree that running args can reach:
// only the noun args name ("webhooks list" builds webhooks alone), or none
// for --version. Anything else — help, completion, a typo, a flag it does
// not know — builds the whole tree, so cobra behaves exactly as with
// NewCmdRoot (TestNewCmdRootForFindsWhatTheWholeTreeFinds).
func NewCmdRootFor(f *cmdutil.Factory, args []string) *cobra.Command {
	return newCmdRoot(f, args)
}

func newCmdRoot(f *cmdutil.Factory, args []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "erzycall <command>",
		Short: "Manage, receive and test ErzyCall webhooks",
		Long: `erzycall manages the webhook endpoints of your ErzyCall organisation, receives
and verifies deliveries on your machine, and tests your handlers locally and in CI.`,
		Example: `  erzycall auth login
  erzycall webhooks create --url https://example.com/webhook --events call.ended
  erzycall listen --forward-to http://localhost:3000/webhook
  erzycall trigger call.ended`,
		// A word that is no command is a usage error with a suggestion
		// (cobra alone would print its own), and none prints the help.
		Args:          cmdutil.NoUnknownSubcommand,
		RunE:          cmdutil.ShowHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRun: func(_ *cobra.Command, _ []string) {
			if f.Flags.NoColor {
				f.IOStreams.SetColorEnabled(false)
			}
		},
	}
	// --version prints version.Format without a template: cobra writes
	// "<name> version <Version>\n", so Version holds the rest of Format.
	// (SetVersionTemplate would link text/template, whose use of
	// reflect.Value.MethodByName stops the linker from dropping unused
	// methods: 2.7 MB more binary. TestRunVersionFlag in internal/app checks
	// the output, TestDeadcodeElimination in internal/perf the binary.)
	cmd.Version = versionCmd.Details(build.Get())
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.SuggestFlag(c, err, args)
	})
	cmd.SetUsageFunc(usage)
	cmd.SetHelpCommand(newCmdHelp())

	pf := cmd.PersistentFlags()
	pf.StringVar(&f.Flags.APIURL, "api-url", "", "ErzyCall API base `URL` (env ERZYCALL_API_URL; default "+defaultAPIURL+")")
	pf.StringVar(&f.Flags.APIKey, "api-key", "", "API `key` (env ERZYCALL_API_KEY; default: the stored key of the profile)")
	pf.StringVar(&f.Flags.Profile, "profile", "", "credentials `profile` (env ERZYCALL_PROFILE; default \"default\")")
	pf.BoolVar(&f.Flags.Debug, "debug", false, "print each HTTP request's method, URL, status and latency on stderr")
	pf.BoolVar(&f.Flags.NoColor, "no-color", false, "disable colour (also NO_COLOR=1)")

	cmd.AddGroup(
		&cobra.Group{ID: groupEndpoints, Title: "Endpoint management:"},
		&cobra.Group{ID: groupLocal, Title: "Local development and testing:"},
		&cobra.Group{ID: groupSetup, Title: "Setup and help:"},
	)
	cmd.SetHelpCommandGroupID(groupSetup)
	cmd.SetCompletionCommandGroupID(groupSetup)

	build, whole := reach(cmd, args)
	if whole {
		build = nouns
	}
	for _, n := range build {
		c := n.build(f)
		c.GroupID = n.group
		cmd.AddCommand(c)
	}
	if !whole {
		return cmd
	}
	// cobra's completion group would print help and exit 0 for a typo.
	cmd.InitDefaultCompletionCmd()
	for _, c := range cmd.Commands() {
		if c.Name() == "completion" {
			c.Args, c.RunE = cmdutil.NoUnknownSubcommand, cmdutil.ShowHelp
			// As the README's "Shell completion" shows them (run by
			// cmd/erzycall's docs_completion.txtar).
			c.Example = `  mkdir -p ~/.local/share/bash-completion/completions
  erzycall completion bash > ~/.local/share/bash-completion/completions/erzycall

  mkdir -p ~/.zsh/completions
  erzycall completion zsh > ~/.zsh/completions/_erzycall   # with fpath=(~/.zsh/completions $fpath) before compinit

  mkdir -p ~/.config/fish/completions
  erzycall completion fish > ~/.config/fish/completions/erzycall.fish`
		}
	}
	for _, t := range helpTopics() {
		cmd.AddCommand(t)
	}
	return cmd
}

// reach reads args as cobra will, with root's persistent flags: the first
// word that is not a flag or a flag's value names the noun to build. With no
// word, --version alone needs no noun. whole is true when the whole tree is
// needed: nil args, help (-h, --help, the help command), completion, "--",
// a flag root does not know, a word that is no noun.
func reach(root *cobra.Command, args []string) (only []noun, whole bool) {
	if args == nil {
		return nil, true
	}
	version := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "" || a[0] != '-' {
			for _, n := range nouns {
				if slices.Contains(n.names, a) {
					return []noun{n}, false
				}
			}
			return nil, true
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var fl *pflag.Flag
		switch {
		case a == "--version", a == "-v":
			version = true // cobra adds this flag when it runs
			continue
		case strings.HasPrefix(a, "--"):
			fl = root.PersistentFlags().Lookup(name)
		case len(name) == 1:
			fl = root.PersistentFlags().ShorthandLookup(name)
		}
		if fl == nil {
			return nil, true
		}
		if fl.NoOptDefVal == "" && !hasValue {
			i++ // the flag's value
		}
	}
	return nil, !version
}

const defaultAPIURL = "https://app.erzycall.com/api/v1"

// usage writes the usage part of every command's help: cobra's own layout
// (in Go, as cobra's default is: a template would link text/template, see
// Version above), with two changes. Each list's names are padded to its
// longest name and two blanks, so a description never runs into a name; and
// the help topics have a section of their own, named as they are run
// (`erzycall help environment`).
func usage(c *cobra.Command) error {
	w := c.OutOrStderr()
	var b strings.Builder
	b.WriteString("Usage:")
	if !c.HasParent() {
		fmt.Fprintf(&b, "\n  %s", c.UseLine()) // erzycall <command> [flags]
	} else {
		if c.Runnable() {
			fmt.Fprintf(&b, "\n  %s", c.UseLine())
		}
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "\n  %s [command]", c.CommandPath())
		}
	}
	if len(c.Aliases) > 0 {
		fmt.Fprintf(&b, "\n\nAliases:\n  %s", c.NameAndAliases())
	}
	if c.HasExample() {
		fmt.Fprintf(&b, "\n\nExamples:\n%s", c.Example)
	}
	listed := func(sub *cobra.Command) bool { return sub.IsAvailableCommand() || sub.Name() == "help" }
	var topics []*cobra.Command
	width := 0
	for _, sub := range c.Commands() {
		if listed(sub) || sub.IsAdditionalHelpTopicCommand() {
			width = max(width, len(sub.Name()))
		}
		if sub.IsAdditionalHelpTopicCommand() {
			topics = append(topics, sub)
		}
	}
	line := func(name, short string) { fmt.Fprintf(&b, "\n  %-*s  %s", width, name, short) }
	if c.HasAvailableSubCommands() {
		section := func(title string, in func(*cobra.Command) bool) {
			fmt.Fprintf(&b, "\n\n%s", title)
			for _, sub := range c.Commands() {
				if listed(sub) && in(sub) {
					line(sub.Name(), sub.Short)
				}
			}
		}
		if len(c.Groups()) == 0 {
			section("Available Commands:", func(*cobra.Command) bool { return true })
		} else {
			for _, g := range c.Groups() {
				section(g.Title, func(sub *cobra.Command) bool { return sub.GroupID == g.ID })
			}
			if !c.AllChildCommandsHaveGroup() {
				section("Additional Commands:", func(sub *cobra.Command) bool { return sub.GroupID == "" })
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\n\nFlags:\n%s", strings.TrimRight(c.LocalFlags().FlagUsages(), " \t\n"))
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\n\nGlobal Flags:\n%s", strings.TrimRight(c.InheritedFlags().FlagUsages(), " \t\n"))
	}
	if len(topics) > 0 {
		fmt.Fprintf(&b, "\n\nHelp topics (%s help TOPIC):", c.CommandPath())
		for _, t := range topics {
			line(t.Name(), t.Short)
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n\nUse \"%s [command] --help\" for more information about a command.", c.CommandPath())
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// newCmdHelp is `erzycall help [command]`: the help of a command or a help
// topic, and for a word that names neither, a usage error with a suggestion
// (cobra's own help command prints the whole usage and exits 0).
func newCmdHelp() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command or help topic",
		Long: `Show the help of a command (erzycall help webhooks create) or of a help topic
(erzycall help environment, erzycall help exit-codes).`,
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			target, err := helpTarget(c.Root(), args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range target.Commands() {
				if (sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand()) && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target, err := helpTarget(c.Root(), args)
			if err != nil {
				return err
			}
			target.InitDefaultHelpFlag()
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// helpTarget follows the words of `help WORD...` down from root.
func helpTarget(root *cobra.Command, words []string) (*cobra.Command, error) {
	target := root
	for _, w := range words {
		var next *cobra.Command
		for _, sub := range target.Commands() {
			if sub.Name() == w || slices.Contains(sub.Aliases, w) {
				next = sub
				break
			}
		}
		if next == nil {
			return nil, cmdutil.UnknownCommand(target, w)
		}
		target = next
	}
	return target, nil
}

// helpTopics are `erzycall help <topic>` pages: commands that only print.
func helpTopics() []*cobra.Command {
	topic := func(name, short, long string) *cobra.Command {
		// Without Run, cobra lists these under "Additional help topics".
		c := &cobra.Command{Use: name, Short: short, Long: long}
		c.SetHelpFunc(func(c *cobra.Command, _ []string) { fmt.Fprint(c.OutOrStdout(), c.Long) })
		return c
	}
	return []*cobra.Command{
		topic("environment", "Environment variables erzycall reads", environmentHelp),
		topic("exit-codes", "What erzycall's exit codes mean", exitCodesHelp),
	}
}

const environmentHelp = `Environment variables read by erzycall (a flag, when given, wins):

  ERZYCALL_API_URL         API base URL (--api-url); default ` + defaultAPIURL + `.
                           Plain http:// is refused unless the host is loopback.
  ERZYCALL_API_KEY         API key (--api-key); wins over a stored key. Use it in CI.
  ERZYCALL_PROFILE         credentials profile (--profile); default "default".
  ERZYCALL_CONFIG_DIR      configuration directory; default $XDG_CONFIG_HOME/erzycall
                           (~/.config/erzycall on Linux).
  ERZYCALL_WEBHOOK_SECRET  signing secret(s) for listen, trigger and verify (--secret);
                           several may be given separated by commas.
  NO_COLOR                 any value turns colour off.
  CLICOLOR_FORCE           a value other than 0 turns colour on even when piped.
  CI                       when set, erzycall never prompts and never opens a browser.
  GITHUB_ACTIONS           when "true", each secret that ` + "`webhooks apply --show-secrets`" + ` prints
                           is first masked with ::add-mask::.
`

const exitCodesHelp = `Exit codes of erzycall:

  0    success
  1    other failure: network error, 5xx answer, a failed delivery or verification
  2    usage or invalid input: nothing was sent (also: --yes missing without a terminal)
  3    authentication: no API key, or the API answered 401/403
  4    not found: the API answered 404
  5    the API refused the request as invalid or over a limit (400, 409, 422),
       e.g. a sixth endpoint; its message is printed
  6    webhooks diff --exit-code: the organisation differs from the file
       (applying it would change something)
  7    webhooks check: an endpoint is disabled, or missing (with -f)
  8    webhooks apply: some changes were made, then one failed; the output
       names what was done and what failed, and running apply again finishes
  9    verify --strict: the signature is valid, but a handler written from the
       ErzyCall docs would reject the delivery (a signature header not in the
       form sha256=<64 lowercase hex digits>, or a payload that is not in
       JSON.stringify form)
  130  interrupted (Ctrl-C) before the command finished
`
