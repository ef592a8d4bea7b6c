package webhooks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/api"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/declare"
	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/text"
)

// applyOptions are the inputs of `webhooks apply`.
type applyOptions struct {
	IO        *iostreams.IOStreams
	Flags     *cmdutil.GlobalFlags // for the commands hints name
	APIClient func() (*api.Client, error)
	// SaveSecret stores an endpoint's secret locally (keyring or file) and
	// says where; used with --save-secret.
	SaveSecret func(ctx context.Context, id, secret string) (string, error)
	Getenv     func(string) string

	File          string
	Desired       *declare.File // read from File by the command
	Prune         bool
	Yes           bool
	Save          bool
	SecretsOut    string
	SecretsFormat string
	ShowSecrets   bool

	// Secrets is the --secrets-out file, checked by the command.
	Secrets *declare.SecretsFile
}

// newCmdApply returns `webhooks apply`.
func newCmdApply(f *cmdutil.Factory, runF func(*applyOptions) error) *cobra.Command {
	opts := &applyOptions{IO: f.IOStreams, Flags: f.Flags, APIClient: f.APIClient, SaveSecret: secretSaver(f), Getenv: f.Getenv}
	cmd := &cobra.Command{
		Use:   "apply [-f FILE] [--prune] [--yes]",
		Short: "Make the organisation's endpoints match a file",
		Long: `Make the organisation's webhook endpoints what FILE declares (default
erzycall.yaml; "-" reads standard input): create the missing ones, change only
the fields that differ (one PATCH per endpoint) and, with --prune, delete the
endpoints the file does not name. It prints the plan first (as ` + "`webhooks diff`" + `),
then asks on a terminal; without one, pass --yes. When nothing would change it
needs no --yes and sends no write request: applying a file twice is safe.

The file is checked before any request; any problem exits 2 with its line and
column. If a request fails, apply stops: it says what it did, what failed and
what it did not get to, and exits 8 when something was changed (else with the
failure's own code). Running it again finishes the job.

The API shows a created endpoint's secret only once. --save-secret stores it
like ` + "`webhooks create --save-secret`" + ` (keyring, or a 0600 file), where
` + "`erzycall listen --webhook ID`" + ` finds it; --secrets-out FILE adds it to a dotenv
(WEBHOOK_SECRET_<ID>=...) or JSON file of mode 0600, by the file's extension or
--secrets-format. Secrets are printed only with --show-secrets, and on GitHub
Actions (GITHUB_ACTIONS=true) each is first masked with ::add-mask::.

File format:

  version: 1
  endpoints:
    - url: https://api.example.com/webhooks/erzycall   # the endpoint's identity
      description: Production handler                 # optional, default ""
      events: [call.ended, call.failed]                 # 1 to 10 known events
      active: true                                      # optional, default true`,
		Example: `  erzycall webhooks apply
  erzycall webhooks apply -f erzycall.yaml --prune --yes --secrets-out secrets.env
  erzycall webhooks export | erzycall webhooks apply -f -`,
		Args: cmdutil.MaximumNArgs(0, "name the file with -f"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("secrets-format") && opts.SecretsOut == "" {
				return cmdutil.FlagErrorf("--secrets-format needs --secrets-out FILE")
			}
			desired, err := loadFile(opts.IO, opts.Flags, opts.File)
			if err != nil {
				return err
			}
			opts.Desired = desired
			if opts.SecretsOut != "" {
				if opts.Secrets, err = declare.OpenSecretsFile(opts.SecretsOut, opts.SecretsFormat); err != nil {
					return cmdutil.FlagErrorf("--secrets-out: %v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return applyRun(cmd.Context(), opts)
		},
	}
	addFileFlag(cmd, &opts.File, declare.DefaultFile, "the endpoints as code (`FILE`; \"-\" reads standard input)")
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "delete the endpoints the file does not name")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.Save, "save-secret", false, "store created endpoints' secrets locally (keyring), for erzycall listen --webhook ID")
	cmd.Flags().StringVar(&opts.SecretsOut, "secrets-out", "", "add created endpoints' secrets to `FILE` (dotenv, or JSON for *.json; mode 0600)")
	cmd.Flags().StringVar(&opts.SecretsFormat, "secrets-format", "", "format of --secrets-out: dotenv or json (default: by extension)")
	cmd.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "print created endpoints' secrets on standard output")
	_ = cmd.RegisterFlagCompletionFunc("secrets-format", cobra.FixedCompletions([]string{declare.FormatDotenv, declare.FormatJSON}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func applyRun(ctx context.Context, opts *applyOptions) error {
	plan, client, err := makePlan(ctx, opts.APIClient, opts.Desired, opts.Prune)
	if err != nil {
		return err
	}
	printPlan(opts.IO, plan)
	if !plan.HasChanges() {
		return nil
	}
	s := plan.Summary()
	if s.Create > 0 && !opts.Save && opts.Secrets == nil && !opts.ShowSecrets {
		fmt.Fprintf(opts.IO.ErrOut, "warning: the API shows a new endpoint's secret only once, and nothing will keep it: "+
			"use --save-secret, --secrets-out FILE or --show-secrets (or get a new one later with `%s`)\n", opts.Flags.Command("webhooks rotate-secret ID"))
	}
	question := "Apply these changes?"
	if s.Delete > 0 {
		question = fmt.Sprintf("Apply these changes? %d %s will be deleted: deliveries to %s stop at once.",
			s.Delete, text.Plural(s.Delete, "endpoint", "endpoints"), text.Plural(s.Delete, "it", "them"))
	}
	if err := cmdutil.ConfirmDestructive(ctx, opts.IO, opts.Yes, question); err != nil {
		return err
	}

	report := declare.Apply(ctx, client, plan, func(o declare.Outcome) {
		if o.Err == nil {
			opts.done(o)
		}
		// Kept at once, also when a later step fails: it is shown only now.
		if o.Item.Action == declare.Create && o.Endpoint != nil {
			opts.keepSecret(ctx, o.Endpoint)
		}
	})
	if report.Failed == nil {
		success(opts.IO, "Applied %d %s.", len(report.Done), text.Plural(len(report.Done), "change", "changes"))
		return nil
	}
	return opts.failed(report)
}

var pastTense = map[declare.Action]string{declare.Create: "Created", declare.Update: "Updated", declare.Delete: "Deleted"}

// done prints one finished step: "✓ Created URL (ID)" on a terminal,
// "created URL (ID)" in a pipe.
func (opts *applyOptions) done(o declare.Outcome) {
	id := o.Item.ID
	if o.Endpoint != nil && o.Endpoint.ID != "" {
		id = o.Endpoint.ID
	}
	line := fmt.Sprintf("%s %s (%s)", pastTense[o.Item.Action], shown(o.Item.URL), shown(id))
	if o.Item.Action == declare.Update {
		fields := make([]string, len(o.Item.Changes))
		for i, c := range o.Item.Changes {
			fields[i] = c.Field
		}
		line += ": " + strings.Join(fields, ", ")
	}
	if opts.IO.IsStdoutTTY() {
		fmt.Fprintf(opts.IO.Out, "%s %s\n", opts.IO.Styles().Green.Render("✓"), line)
		return
	}
	fmt.Fprintln(opts.IO.Out, strings.ToLower(line[:1])+line[1:])
}

// failed reports a run that stopped at a failure, on stderr: what was done,
// what failed, what was not attempted. Exit 8 when anything changed, the
// failure's own code when nothing did, 130 when interrupted.
func (opts *applyOptions) failed(r *declare.Report) error {
	w := opts.IO.ErrOut
	f := r.Failed
	step := func(it *declare.Item, ep *api.Endpoint) string {
		s := fmt.Sprintf("%s %s", it.Action, shown(it.URL))
		if id := it.ID; id != "" || ep != nil {
			if ep != nil && ep.ID != "" {
				id = ep.ID
			}
			s += " (" + shown(id) + ")"
		}
		return s
	}
	if !r.Changed() {
		if errors.Is(f.Err, context.Canceled) {
			return f.Err
		}
		var apiErr *api.Error
		if f.Item.Action == declare.Create && (!errors.As(f.Err, &apiErr) || apiErr.StatusCode >= 500) {
			// No answer, or a server error: the API may have created it and
			// lost the answer, and with it the one copy of the secret.
			return fmt.Errorf("%s: %w\nthe endpoint may have been created all the same: `erzycall webhooks diff` shows it; "+
				"if it was, its secret was not kept — rotate it with `erzycall webhooks rotate-secret ID --save-secret`",
				step(f.Item, nil), f.Err)
		}
		return fmt.Errorf("%s: %w\nnothing was changed", step(f.Item, nil), f.Err)
	}
	fmt.Fprintf(w, "%s apply stopped at a failure: %d of %d changes made.\n", opts.IO.ErrStyles().Red.Render("✗"), len(r.Done), r.Planned)
	for _, o := range r.Done {
		fmt.Fprintf(w, "  done:     %s\n", step(o.Item, o.Endpoint))
	}
	fmt.Fprintf(w, "  failed:   %s: %v\n", step(f.Item, f.Endpoint), f.Err)
	for _, it := range r.NotRun {
		fmt.Fprintf(w, "  not run:  %s\n", step(it, nil))
	}
	fmt.Fprintln(w, "Run the same apply again to finish: it plans afresh from what the organisation has now.")
	if errors.Is(f.Err, context.Canceled) {
		return f.Err
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial}
}

// keepSecret puts a created endpoint's secret where the flags say, and
// warns when nothing keeps it. Failures only warn: the endpoint exists,
// and `rotate-secret` gives it a new secret.
func (opts *applyOptions) keepSecret(ctx context.Context, ep *api.Endpoint) {
	w := opts.IO.ErrOut
	if opts.Save {
		saveSecret(ctx, opts.IO, opts.Flags, opts.SaveSecret, ep)
	}
	if ep.Secret == "" {
		if !opts.Save {
			fmt.Fprintf(w, "warning: the API returned no secret for %s\n", shown(ep.ID))
		}
		return
	}
	if opts.Secrets != nil {
		if err := opts.Secrets.Add(ep.ID, ep.URL, ep.Secret); err != nil {
			fmt.Fprintf(w, "warning: %v: get a new secret with `%s`\n", err, opts.Flags.Command("webhooks rotate-secret "+ep.ID))
		} else {
			fmt.Fprintf(w, "Wrote the secret of %s to %s.\n", shown(ep.ID), opts.Secrets.Path)
		}
	}
	if opts.ShowSecrets {
		if opts.Getenv != nil && opts.Getenv("GITHUB_ACTIONS") == "true" {
			// A workflow command: the runner hides the value from the log.
			fmt.Fprintf(opts.IO.Out, "::add-mask::%s\n", ep.Secret)
		}
		fmt.Fprintf(opts.IO.Out, "  secret of %s: %s\n", shown(ep.ID), ep.Secret)
	}
}
