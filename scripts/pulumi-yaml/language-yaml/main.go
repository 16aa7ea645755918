// Command pulumi-language-yaml starts Pulumi YAML's own language host and ends it when the engine
// that started it is gone.
//
// The language host is upstream's, unchanged: github.com/pulumi/pulumi-yaml's
// cmd/pulumi-language-yaml, built by scripts/ensure-pulumi.js into the same directory as this
// launcher under the name pulumi-language-yaml-upstream. It checks that its engine is alive only
// every 5 minutes (rpcutil.Healthcheck), and the engine starts every plugin in a process group of
// its own, so when the CLI is killed (SIGKILL, a CI runner going away) nothing signals the host: it
// is re-parented and keeps running for minutes, with whatever provider plugins it started to load
// schemas. This launcher is what the engine starts instead. It runs the host as its child with the
// same arguments, standard streams and environment (the port the host prints goes straight to the
// engine), and
//
//   - checks every half second whether its own parent changed (the engine died and the launcher was
//     re-parented): then it interrupts the host, as the engine would (the host closes the plugins
//     it started), and kills it if it is still running after stopGrace;
//   - on Linux, has the kernel SIGKILL the host if the launcher itself dies first;
//   - passes SIGTERM on to the host. SIGINT is not passed on: the engine sends it to the whole
//     process group (launcher and host), and upstream's host dies on a second SIGINT instead of
//     stopping cleanly.
//
// It exits with the host's exit status (128+N when the host was ended by signal N), or 1 when the
// engine is gone.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

const (
	// upstreamName is the file name of upstream's language host, next to this launcher.
	upstreamName = "pulumi-language-yaml-upstream"

	// parentCheckInterval is how often the launcher checks that its engine is still there.
	parentCheckInterval = 500 * time.Millisecond

	// stopGrace is how long the host may take to stop after SIGINT once the engine is gone.
	stopGrace = 2 * time.Second
)

func main() {
	// The kernel's parent-death signal (Linux) follows the thread that started the child, not the
	// process: start the host from the main thread, which lives as long as the launcher.
	runtime.LockOSThread()

	// Not checked against 1: a CLI may be a container's first process.
	parent := os.Getppid()

	self, err := os.Executable()
	if err != nil {
		fatalf("cannot locate this launcher: %v", err)
	}
	upstream := filepath.Join(filepath.Dir(self), upstreamName)

	cmd := exec.Command(upstream, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	killWithParent(cmd)

	// Registered before the host starts, so no SIGINT or SIGTERM ends the launcher before it.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)

	if err := cmd.Start(); err != nil {
		fatalf("cannot start the Pulumi YAML language host %s: %v "+
			"(scripts/ensure-pulumi.js builds it next to this launcher)", upstream, err)
	}

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	ticker := time.NewTicker(parentCheckInterval)
	defer ticker.Stop()
	for {
		select {
		case err := <-exited:
			os.Exit(exitCode(err))
		case sig := <-signals:
			if sig == syscall.SIGTERM {
				_ = cmd.Process.Signal(syscall.SIGTERM)
			}
		case <-ticker.C:
			if os.Getppid() == parent {
				continue
			}
			// The engine is gone. Nothing is written: stderr is a pipe nobody reads any more, and a
			// write to it would end the launcher by SIGPIPE before the host stopped cleanly.
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(stopGrace):
				_ = cmd.Process.Kill()
				<-exited
			}
			os.Exit(1)
		}
	}
}

// exitCode is the status that reports how the host ended.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		fmt.Fprintf(os.Stderr, "pulumi-language-yaml: waiting for the language host: %v\n", err)
		return 1
	}
	if status, ok := exit.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return 128 + int(status.Signal())
	}
	return exit.ExitCode()
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-yaml: "+format+"\n", args...)
	os.Exit(1)
}
