//go:build !unix

package main

import (
	"os"
	"os/exec"
	"syscall"
)

func startInOwnGroup(*exec.Cmd) {}

// signalGroup interrupts or kills the program (no process groups here).
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) error {
	if cmd.Process == nil {
		return nil
	}
	if sig == syscall.SIGKILL {
		return cmd.Process.Kill()
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		return cmd.Process.Kill()
	}
	return nil
}
