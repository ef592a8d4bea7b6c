//go:build unix

package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// runRecipe is the run-recipe program of the scripts: it runs a shell
// recipe from the docs as written, the way a person would, and cleans up
// after it.
//
//	run-recipe [-noerrexit] [-until RE] [-timeout D] FILE
//	run-recipe -terminals [-ready RE]... [-until RE] FILE
//	run-recipe -each -until RE FILE
//
// By default FILE runs as `bash -e -o pipefail FILE` (-noerrexit: without
// -e, for a recipe that shows a failing command's status). -terminals runs
// each part of FILE between blank lines in a shell of its own, as in its own
// terminal: each but the last in the background, the next one starting once
// its output matches the -ready RE of its turn. -each runs every command
// line of FILE on its own (alternatives, each one long-running). -until RE
// ends a run, as Ctrl-C would (SIGINT to the shell's process group), once
// the output matches RE. The recipe's output goes to files, so what it
// leaves running in the background holds no pipe; when it is done, whatever
// is left in its process groups (one per shell) gets SIGINT, then SIGTERM,
// then SIGKILL, the last terminal first, as a person would stop them. The
// output is printed (each part under "== terminal N =="), and the exit
// status is the last shell's; 124 after -timeout (default 60s).
func runRecipe(args []string) int {
	fs := flag.NewFlagSet("run-recipe", flag.ContinueOnError)
	noErrExit := fs.Bool("noerrexit", false, "run without bash -e")
	terminals := fs.Bool("terminals", false, "each part between blank lines in a shell of its own")
	each := fs.Bool("each", false, "each command line on its own")
	until := fs.String("until", "", "stop once the output matches this regexp")
	timeout := fs.Duration("timeout", 60*time.Second, "give up after this long")
	var ready multiFlag
	fs.Var(&ready, "ready", "with -terminals: the output that lets the next terminal start (repeatable, in order)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: run-recipe [-noerrexit|-terminals|-each] [-ready RE]... [-until RE] [-timeout D] FILE")
		return 2
	}
	text, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var untilRE *regexp.Regexp
	if *until != "" {
		untilRE = regexp.MustCompile(*until)
	}
	r := &recipeRun{deadline: time.Now().Add(*timeout), errexit: !*noErrExit}
	defer r.stopAll()

	var parts []string
	switch {
	case *terminals:
		parts = splitTerminals(string(text))
	case *each:
		if untilRE == nil {
			fmt.Fprintln(os.Stderr, "run-recipe: -each needs -until")
			return 2
		}
		for line := range strings.SplitSeq(string(text), "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				parts = append(parts, line+"\n")
			}
		}
	default:
		parts = []string{string(text)}
	}
	status := 0
	for i, part := range parts {
		sh, err := r.start(i, part)
		if err != nil {
			fmt.Fprintln(os.Stderr, "run-recipe:", err)
			return 2
		}
		last := i == len(parts)-1
		switch {
		case *each:
			status = max(status, r.finish(sh, untilRE, false))
			r.stopAll() // what it left, before the next line
		case *terminals && last:
			// The last terminal's command ends by itself; then what it
			// caused may still show in the others (-until).
			status = r.finish(sh, nil, true)
			if status != 124 && untilRE != nil && !r.await(nil, untilRE) {
				fmt.Fprintf(os.Stderr, "run-recipe: the output never matched %q\n", *until)
				status = 124
			}
		case *terminals && !last:
			if i >= len(ready) {
				fmt.Fprintf(os.Stderr, "run-recipe: no -ready for terminal %d\n", i+1)
				return 2
			}
			if !r.await(sh, regexp.MustCompile(ready[i])) {
				r.print(*terminals || *each)
				fmt.Fprintf(os.Stderr, "run-recipe: terminal %d never printed %q\n", i+1, ready[i])
				return 124
			}
		default:
			status = r.finish(sh, untilRE, true)
		}
	}
	r.stopAll()
	r.print(*terminals || *each)
	return status
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// splitTerminals cuts a recipe at its blank lines.
func splitTerminals(text string) []string {
	var parts []string
	for part := range strings.SplitSeq(strings.TrimSpace(text), "\n\n") {
		parts = append(parts, strings.TrimSpace(part)+"\n")
	}
	return parts
}

// recipeRun is one recipe's shells and their output files.
type recipeRun struct {
	deadline time.Time
	errexit  bool
	shells   []*recipeShell // each the leader of a process group of its own
	stopped  int            // shells[:stopped] are stopped and gone
}

type recipeShell struct {
	cmd    *exec.Cmd
	out    string        // stdout and stderr, in one file as a terminal shows them
	exited chan struct{} // closed once the shell has exited, with code set
	code   int
}

func (r *recipeRun) start(i int, script string) (*recipeShell, error) {
	dir, err := os.MkdirTemp("", "recipe-")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "recipe.sh")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	args := []string{"-o", "pipefail", file}
	if r.errexit {
		args = append([]string{"-e"}, args...)
	}
	cmd := exec.Command("bash", args...)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = out, out, nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("terminal %d: %w", i+1, err)
	}
	sh := &recipeShell{cmd: cmd, out: out.Name(), exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			sh.code = exit.ExitCode()
			if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				sh.code = 128 + int(ws.Signal()) // as a shell reports it
			}
		} else if err != nil {
			sh.code = 1
		}
		close(sh.exited)
	}()
	r.shells = append(r.shells, sh)
	return sh, nil
}

// output is what the shells printed so far, all of them.
func (r *recipeRun) output() string {
	var b strings.Builder
	for _, sh := range r.shells {
		data, _ := os.ReadFile(sh.out)
		b.Write(data)
	}
	return b.String()
}

// await waits until the output of sh (of every shell when nil) matches re.
func (r *recipeRun) await(sh *recipeShell, re *regexp.Regexp) bool {
	for time.Now().Before(r.deadline) {
		text := r.output()
		if sh != nil {
			data, _ := os.ReadFile(sh.out)
			text = string(data)
		}
		if re.MatchString(text) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// finish waits for sh to exit, and returns its exit status. With until,
// it waits (longer, if need be) for the output — of sh, or with all of
// every shell — to match, and then stops sh as by Ctrl-C if it still runs:
// then a shell that ends with the Ctrl-C's status (130, a pipeline cut
// short) has done as it should.
func (r *recipeRun) finish(sh *recipeShell, until *regexp.Regexp, all bool) int {
	for {
		exited := false
		select {
		case <-sh.exited:
			exited = true
		default:
		}
		if until == nil && exited {
			return sh.code
		}
		if until != nil {
			text := r.output()
			if !all {
				data, _ := os.ReadFile(sh.out)
				text = string(data)
			}
			if until.MatchString(text) {
				if exited {
					return sh.code
				}
				_ = syscall.Kill(-sh.cmd.Process.Pid, syscall.SIGINT)
				select {
				case <-sh.exited:
				case <-time.After(10 * time.Second):
					_ = syscall.Kill(-sh.cmd.Process.Pid, syscall.SIGKILL)
					<-sh.exited
				}
				if sh.code == 130 {
					return 0 // ended by the Ctrl-C that ends such a run
				}
				return sh.code
			}
		}
		if time.Now().After(r.deadline) {
			if until != nil {
				fmt.Fprintf(os.Stderr, "run-recipe: the output never matched %q\n", until)
			} else {
				fmt.Fprintln(os.Stderr, "run-recipe: timed out")
			}
			_ = syscall.Kill(-sh.cmd.Process.Pid, syscall.SIGKILL)
			<-sh.exited
			return 124
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopAll ends whatever the recipe left running, the last terminal first:
// in each process group SIGINT (what erzycall cleans up on), then SIGTERM,
// then SIGKILL, a few seconds apart.
func (r *recipeRun) stopAll() {
	for i := len(r.shells) - 1; i >= r.stopped; i-- {
		pgid := r.shells[i].cmd.Process.Pid
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
			if syscall.Kill(-pgid, sig) != nil {
				break // the group is gone
			}
			for range 60 {
				if syscall.Kill(-pgid, 0) != nil {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		select {
		case <-r.shells[i].exited:
		case <-time.After(5 * time.Second):
		}
	}
	r.stopped = len(r.shells)
}

func (r *recipeRun) print(headers bool) {
	for i, sh := range r.shells {
		if headers {
			fmt.Printf("== terminal %d ==\n", i+1)
		}
		data, _ := os.ReadFile(sh.out)
		os.Stdout.Write(data)
	}
}
