//go:build linux

package main

import (
	"os/exec"
	"syscall"
)

// killWithParent has the kernel SIGKILL the host when the launcher dies, even by SIGKILL.
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
