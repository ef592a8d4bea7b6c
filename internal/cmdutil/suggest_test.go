package cmdutil

import (
	"errors"
	"testing"

	"github.com/spf13/cobra"
)

func TestSuggestFlag(t *testing.T) {
	cmd := &cobra.Command{Use: "listen"}
	cmd.Flags().String("addr", "", "")
	cmd.Flags().String("forward-to", "", "")
	cmd.Flags().String("hidden-one", "", "")
	_ = cmd.Flags().MarkHidden("hidden-one")
	for _, tc := range []struct {
		err  string
		args []string
		want string
	}{
		{"unknown flag: --adr", nil, `unknown flag "--adr" for "listen": did you mean --addr?`},
		{"unknown flag: --forward", nil, `unknown flag "--forward" for "listen": did you mean --forward-to?`},
		{"unknown flag: --hidden-on", nil, `unknown flag "--hidden-on" for "listen"`},
		{"unknown flag: --port", []string{"listen", "--port", "4000"}, `unknown flag "--port" for "listen": use --addr 127.0.0.1:4000`},
		{"unknown flag: --port", []string{"listen", "--port", "--addr"}, `unknown flag "--port" for "listen": use --addr 127.0.0.1:PORT`},
		{"unknown flag: --port", nil, `unknown flag "--port" for "listen": use --addr 127.0.0.1:PORT`},
		{"unknown flag: --json", nil, `unknown flag "--json" for "listen"`}, // no -o here
		{"unknown shorthand flag: 'x' in -xy", nil, `unknown flag "-x" for "listen"`},
		{`invalid argument "x" for "--count" flag: bad`, nil, `invalid argument "x" for "--count" flag: bad`},
	} {
		err := SuggestFlag(cmd, errors.New(tc.err), tc.args)
		var fe *FlagError
		if !errors.As(err, &fe) || err.Error() != tc.want {
			t.Errorf("%s: %v (%T)\nwant the usage error %q", tc.err, err, err, tc.want)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	root := &cobra.Command{Use: "erzycall"}
	wh := &cobra.Command{Use: "webhooks", Aliases: []string{"wh"}, Run: func(*cobra.Command, []string) {}}
	hidden := &cobra.Command{Use: "secret-thing", Hidden: true, Run: func(*cobra.Command, []string) {}}
	topic := &cobra.Command{Use: "environment", Short: "topic"}
	root.AddCommand(wh, hidden, topic)
	for word, want := range map[string]string{
		"webhoks":      `unknown command "webhoks" for "erzycall": did you mean webhooks?`,
		"whh":          `unknown command "whh" for "erzycall": did you mean webhooks?`,
		"envronment":   `unknown command "envronment" for "erzycall": did you mean environment?`,
		"secret-thin":  `unknown command "secret-thin" for "erzycall"`,
		"entirelynone": `unknown command "entirelynone" for "erzycall"`,
	} {
		err := NoUnknownSubcommand(root, []string{word})
		var fe *FlagError
		if !errors.As(err, &fe) || err.Error() != want {
			t.Errorf("%s: %v, want %q", word, err, want)
		}
	}
	if err := NoUnknownSubcommand(root, nil); err != nil {
		t.Errorf("no word: %v", err)
	}
}
