// Package build holds the version information stamped in by the linker
// (goreleaser sets these with -X), with a fallback to the module build info
// for `go install` builds.
package build

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// Set by -ldflags "-X github.com/erzycall/erzycall/internal/build.Version=...".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// The project's home, and the page that lists its releases: where an update
// is found, and what the packages' changelog points to.
const (
	RepositoryURL = "https://github.com/erzycall/erzycall"
	ReleasesURL   = RepositoryURL + "/releases"
)

// Info is the resolved version information of this binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
}

var (
	once sync.Once
	info Info
)

// Get returns the version information, resolving the fallback once.
func Get() Info {
	once.Do(func() {
		info = Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version()}
		if bi, ok := debug.ReadBuildInfo(); ok {
			if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				info.Version = bi.Main.Version
			}
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					if info.Commit == "" {
						info.Commit = s.Value
					}
				case "vcs.time":
					if info.Date == "" {
						info.Date = s.Value
					}
				}
			}
		}
		if info.Version == "" {
			info.Version = "dev"
		}
		if info.Commit == "" {
			info.Commit = "unknown"
		}
		if info.Date == "" {
			info.Date = "unknown"
		}
	})
	return info
}

// UserAgent is the User-Agent header erzycall sends everywhere.
func UserAgent() string { return "erzycall/" + Get().Version }
