package iostreams

import (
	"fmt"
	"sync"
	"time"
)

// spinnerFrames are drawn in turn while something is under way.
var spinnerFrames = [...]string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// StartProgress shows label after a spinner on stderr until the returned
// stop is called, which clears the line. Only a terminal gets a spinner: in
// a pipe or a log it would be noise, so there it does nothing.
func (s *IOStreams) StartProgress(label string) (stop func()) {
	if !s.errTTY {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(s.ErrOut, "\r%s %s", s.ErrStyles().Cyan.Render(spinnerFrames[i%len(spinnerFrames)]), label)
			select {
			case <-done:
				fmt.Fprint(s.ErrOut, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}
