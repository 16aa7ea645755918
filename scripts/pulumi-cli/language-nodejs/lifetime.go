package main

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
)

// lifetime ties the host and the programs it starts to the engine that started the host.
//
// The engine starts every plugin in a process group of its own, so when the CLI is killed (SIGKILL
// of its group, a CI runner going away) nothing signals its plugins: they are re-parented and keep
// running unless they notice. The host notices in two ways, each checked every interval: its parent
// process changes (getppid), or the engine's gRPC health check fails (upstream does the latter every
// 5 minutes). Either way it kills the process groups of the programs it started and exits.
type lifetime struct {
	interval time.Duration
	// done is closed when the host begins to stop.
	done chan struct{}
	// stopServer is the gRPC server's Cancel channel, closed with done.
	stopServer chan bool

	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	programs   map[*exec.Cmd]struct{}
	watched    map[string]bool
	why        string
	isGraceful bool
	stopping   bool
}

func newLifetime(interval time.Duration) *lifetime {
	ctx, cancel := context.WithCancel(context.Background())
	return &lifetime{
		interval:   interval,
		done:       make(chan struct{}),
		stopServer: make(chan bool),
		ctx:        ctx,
		cancel:     cancel,
		programs:   map[*exec.Cmd]struct{}{},
		watched:    map[string]bool{},
	}
}

// shutdown begins to stop the host, once. Graceful (the engine interrupted the host): running
// programs get SIGINT and a grace period, as upstream's programs, which share the host's process
// group, get the engine's SIGINT. Otherwise (the engine is gone): they are killed at once.
func (l *lifetime) shutdown(reason string, graceful bool) {
	l.mu.Lock()
	if l.stopping {
		l.mu.Unlock()
		return
	}
	l.stopping = true
	l.why = reason
	l.isGraceful = graceful
	programs := l.snapshot()
	l.mu.Unlock()

	l.cancel()
	close(l.done)
	for _, cmd := range programs {
		if graceful {
			l.interrupt(cmd)
		} else {
			_ = signalGroup(cmd, syscall.SIGKILL)
		}
	}
	close(l.stopServer)
}

func (l *lifetime) graceful() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.isGraceful
}

// watchParent stops the host when its parent process changes: the engine died and the host was
// re-parented (to init or a subreaper).
func (l *lifetime) watchParent() {
	initial := os.Getppid()
	go func() {
		ticker := time.NewTicker(l.interval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				if ppid := os.Getppid(); ppid != initial {
					l.shutdown("the engine (parent process "+strconv.Itoa(initial)+") is gone", false)
					return
				}
			case <-l.ctx.Done():
				return
			}
		}
	}()
}

// watchEngine polls the engine's health endpoint (rpcutil.Healthcheck, as upstream, but every
// interval instead of every 5 minutes) and stops the host when it fails. Once per address.
func (l *lifetime) watchEngine(address string) error {
	l.mu.Lock()
	if l.watched[address] {
		l.mu.Unlock()
		return nil
	}
	l.watched[address] = true
	l.mu.Unlock()
	return rpcutil.Healthcheck(l.ctx, address, l.interval, func() {
		l.shutdown("the engine at "+address+" does not answer", false)
	})
}

// start starts cmd and tracks it until forget; it refuses once the host is stopping.
func (l *lifetime) start(cmd *exec.Cmd) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopping {
		return errStopping{reason: l.why}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	l.programs[cmd] = struct{}{}
	return nil
}

func (l *lifetime) forget(cmd *exec.Cmd) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.programs, cmd)
}

func (l *lifetime) tracked(cmd *exec.Cmd) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.programs[cmd]
	return ok
}

func (l *lifetime) snapshot() []*exec.Cmd {
	out := make([]*exec.Cmd, 0, len(l.programs))
	for cmd := range l.programs {
		out = append(out, cmd)
	}
	return out
}

// interrupt sends SIGINT to the program's process group and SIGKILL after programStopGrace if it
// is still running then.
func (l *lifetime) interrupt(cmd *exec.Cmd) {
	_ = signalGroup(cmd, syscall.SIGINT)
	time.AfterFunc(programStopGrace, func() {
		if l.tracked(cmd) {
			_ = signalGroup(cmd, syscall.SIGKILL)
		}
	})
}

// killPrograms sends SIGKILL to the process group of every program still running.
func (l *lifetime) killPrograms() {
	l.mu.Lock()
	programs := l.snapshot()
	l.mu.Unlock()
	for _, cmd := range programs {
		_ = signalGroup(cmd, syscall.SIGKILL)
	}
}

type errStopping struct{ reason string }

func (e errStopping) Error() string {
	return "the language host is stopping: " + strings.TrimSpace(e.reason)
}
