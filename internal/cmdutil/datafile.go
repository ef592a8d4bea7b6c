package cmdutil

import (
	"io"
	"os"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
)

// MaxDataFile bounds --data-file: far above any real event's data, and the
// sandbox's request body limit.
const MaxDataFile = 1 << 20

// ReadDataFile reads the JSON object of a --data-file flag (`-` is standard
// input), keeping its key order. Any problem is a usage error.
func ReadDataFile(ios *iostreams.IOStreams, name string) (jsjson.Object, error) {
	r := ios.In
	if name == "-" {
		if ios.IsStdinTTY() {
			return nil, FlagErrorf("--data-file -: pipe a JSON object on standard input")
		}
		name = "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, FlagErrorf("read --data-file: %v", err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxDataFile+1))
	if err != nil {
		return nil, FlagErrorf("read --data-file %s: %v", name, err)
	}
	if len(raw) > MaxDataFile {
		return nil, FlagErrorf("--data-file %s is larger than %d MiB", name, MaxDataFile>>20)
	}
	v, err := jsjson.Parse(raw)
	if err != nil {
		return nil, FlagErrorf("--data-file %s: invalid JSON: %v", name, err)
	}
	obj, ok := v.(jsjson.Object)
	if !ok {
		return nil, FlagErrorf(`--data-file %s must hold a JSON object, such as {"id":"call_123"}`, name)
	}
	return obj, nil
}
