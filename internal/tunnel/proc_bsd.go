//go:build unix && !linux

package tunnel

import "syscall"

// sysProcAttr puts the engine in a process group of its own, so Stop
// reaches its helpers too. (These systems have no parent-death signal: an
// erzycall killed with SIGKILL leaves the engine to notice its closed
// output and exit, which cloudflared and ngrok do.)
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
