package tunnel

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// terminate ends the engine: Windows has no SIGTERM for console programs.
func terminate(p *os.Process) {
	if p != nil {
		_ = p.Kill()
	}
}

func killGroup(p *os.Process) { terminate(p) }
