//go:build unix && !linux

package main

import (
	"os/exec"
	"syscall"
)

// startInOwnGroup makes the program the leader of a new process group, so that the host can stop it
// and whatever it started together. (There is no parent-death signal here: a program whose host is
// killed stops when its calls to the engine fail.)
func startInOwnGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
