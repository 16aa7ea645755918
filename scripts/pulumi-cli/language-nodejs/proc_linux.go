//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// startInOwnGroup makes the program the leader of a new process group (so that the host can stop it
// and whatever it started together) and has the kernel kill it if the host dies first, even by SIGKILL.
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
