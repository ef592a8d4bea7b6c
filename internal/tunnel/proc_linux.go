package tunnel

import "syscall"

// sysProcAttr puts the engine in a process group of its own (so Stop
// reaches its helpers too) and has the kernel kill it if erzycall dies
// without cleaning up (SIGKILL, a crash).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
