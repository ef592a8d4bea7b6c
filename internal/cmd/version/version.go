// Package version implements `erzycall version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/erzycall/erzycall/internal/build"
	"github.com/erzycall/erzycall/internal/cmdutil"
)

// NewCmdVersion returns `erzycall version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var out cmdutil.OutputOptions
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the version, commit, build date and Go version, and where to find updates",
		Args:    cmdutil.MaximumNArgs(0, "it takes no arguments"),
		Example: "  erzycall version\n  erzycall version -o json",
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := out.Validate(); err != nil {
				return err
			}
			info := build.Get()
			if out.IsJSON() {
				return out.Write(f.IOStreams, info)
			}
			_, err := fmt.Fprintf(f.IOStreams.Out, "%slatest release: %s/latest\n", Format(info), build.ReleasesURL)
			return err
		},
	}
	cmdutil.AddOutputFlags(cmd, &out)
	return cmd
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
