// Package version implements `erzycall version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
	"github.com/erzycall/erzycall/internal/iostreams"
)

// versionOptions are the inputs of `erzycall version`.
type versionOptions struct {
	IO        *iostreams.IOStreams
	BuildInfo func() build.Info
	Output    cmdutil.OutputOptions
}

// NewCmdVersion returns `erzycall version`.
func NewCmdVersion(f *cmdutil.Factory, runF func(*versionOptions) error) *cobra.Command {
	opts := &versionOptions{IO: f.IOStreams, BuildInfo: build.Get}
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit, build date and Go version, and where to find updates",
		Args:    cmdutil.MaximumNArgs(0, "it takes no arguments"),
		Example: "  erzycall version\n  erzycall version -o json",
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.AddOutputFlags(cmd, &opts.Output)
	return cmd
}

func versionRun(opts *versionOptions) error {
	info := opts.BuildInfo()
	if opts.Output.IsJSON() {
		return opts.Output.Write(opts.IO, info)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "%slatest release: %s/latest\n", Format(info), build.ReleasesURL)
	return err
}

// Format is the text of `erzycall version` and `erzycall --version`.
func Format(info build.Info) string {
	return "erzycall version " + Details(info) + "\n"
}

// Details is Format without its leading "erzycall version " and final
// newline: what the root command's --version adds them to.
func Details(info build.Info) string {
	return fmt.Sprintf("%s\ncommit %s\nbuilt %s\n%s", info.Version, info.Commit, info.Date, info.GoVersion)
}
