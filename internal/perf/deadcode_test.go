package perf

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
)

// TestDeadcodeElimination builds the real binary and fails if the linker
// could not drop unused exported methods. When reflect.Value.MethodByName
// or reflect.Value.Method is reachable, the linker must keep every exported
// method of every type that may reach reflection; text/template's Execute
// reaches it, so a single cobra SetVersionTemplate, SetHelpTemplate or
// SetUsageTemplate costs 2.7 MB (13.57 MB stripped instead of 10.81 MB).
// text/template itself stays linked (cobra imports it; its init runs), but
// nothing may execute a template. Same idea as cobra's own
// TestDeadcodeElimination (spf13/cobra#1956).
func TestDeadcodeElimination(t *testing.T) {
	bin := testutil.BuildErzycall(t)
	out, err := exec.CommandContext(t.Context(), "go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	forbidden := map[string]bool{
		"reflect.Value.MethodByName":        true,
		"reflect.Value.Method":              true,
		"text/template.(*Template).Execute": true,
	}
	symbols := 0
	sawMain := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 {
			continue
		}
		name := fields[len(fields)-1]
		symbols++
		sawMain = sawMain || name == "main.main"
		if forbidden[name] {
			t.Errorf("the binary links %s: something calls a text/template or reflect method lookup "+
				"(a cobra Set*Template?), and the linker keeps every exported method because of it", name)
		}
	}
	if !sawMain || symbols < 1000 {
		t.Fatalf("go tool nm listed %d symbols and no main.main: is the binary stripped?", symbols)
	}
}
