package cmdutil

import (
	"io"
	"os"

	"github.com/erzycall/erzycall/internal/iostreams"
	"github.com/erzycall/erzycall/internal/jsjson"
	"github.com/erzycall/erzycall/internal/webhook"
)

// MaxDataFile bounds --data-file: far above any real event's data, and the
// sandbox's request body limit.
const MaxDataFile = 1 << 20

// ResolveData turns --data-file and --data into event data: the file's
// object (--data-file), else sample(), with each --data assignment applied
// in order (webhook.ApplyData). Bad input is a usage error.
func ResolveData(ios *iostreams.IOStreams, dataFile string, assignments []string, sample func() jsjson.Object) (jsjson.Object, error) {
	var data jsjson.Object
	if dataFile != "" {
		obj, err := ReadDataFile(ios, dataFile)
		if err != nil {
			return nil, err
		}
		data = obj
	} else {
		data = sample()
	}
	data, err := webhook.ApplyData(data, assignments)
	if err != nil {
		return nil, FlagErrorWrap(err) // ApplyData names the --data value itself
	}
	return data, nil
}

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
