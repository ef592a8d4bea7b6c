package cmdutil

import "fmt"

// ListenerGoneHint ends a "no answer" message when the target was the
// running listener (process pid; 0 when unknown).
func ListenerGoneHint(pid int) string {
	p := ""
	if pid > 0 {
		p = fmt.Sprintf(" (pid %d)", pid)
	}
	return fmt.Sprintf("\nIs `erzycall listen`%s still running? Start it again, or give --to and --secret.", p)
}
