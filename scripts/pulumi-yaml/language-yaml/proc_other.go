//go:build !linux

package main

import "os/exec"

// killWithParent: only Linux has a parent-death signal; elsewhere the launcher's parent check is
// all there is, and a launcher killed on its own leaves the host to its 5-minute health check.
func killWithParent(*exec.Cmd) {}
