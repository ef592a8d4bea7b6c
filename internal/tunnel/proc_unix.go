//go:build unix

package tunnel

import (
	"os"
	"syscall"
)

// terminate asks the engine's process group to exit.
func terminate(p *os.Process) { signalGroup(p, syscall.SIGTERM) }

// killGroup kills whatever is left of the engine's process group.
func killGroup(p *os.Process) { signalGroup(p, syscall.SIGKILL) }

// signalGroup signals the group the child leads (sysProcAttr gives it its
// own), so helpers the engine started go too. A group already gone is fine.
func signalGroup(p *os.Process, sig syscall.Signal) {
	if p == nil {
		return
	}
	_ = syscall.Kill(-p.Pid, sig)
}
