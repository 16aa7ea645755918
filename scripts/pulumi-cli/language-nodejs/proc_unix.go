//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// signalGroup sends sig to the process group the program leads.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, sig)
}
