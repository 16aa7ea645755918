package main

import (
	"bytes"
	"io"
	"sync"
)

// oomHint is appended to the error of a program that Node stopped for lack of memory (upstream
// gives the same advice).
const oomHint = "Detected a possible out of memory error. Consider increasing the memory available to " +
	"the nodejs process by setting the `nodeargs` runtime option in Pulumi.yaml to " +
	"`nodeargs: --max-old-space-size=<size>` where `<size>` is the maximum memory in megabytes that " +
	"can be allocated to nodejs. See https://www.pulumi.com/docs/concepts/projects/project-file/#runtime-options"

// oomMarkers are what Node's stderr shows when V8 runs out of heap (the second one when the
// inspector hooks that @pulumi/pulumi installs obscure the first).
var oomMarkers = [][]byte{
	[]byte("<--- Last few GCs --->"),
	[]byte("Check failed: needs_context && current_scope_ == closure_scope_"),
}

// oomSniffer passes the program's stderr through and remembers whether it showed an OOM marker.
type oomSniffer struct {
	w     io.Writer
	mu    sync.Mutex
	tail  []byte
	found bool
}

func (o *oomSniffer) Write(p []byte) (int, error) {
	o.mu.Lock()
	if !o.found {
		buf := append(o.tail, p...)
		for _, m := range oomMarkers {
			if bytes.Contains(buf, m) {
				o.found = true
			}
		}
		// Keep enough to find a marker split across two writes.
		const keep = 128
		if len(buf) > keep {
			buf = buf[len(buf)-keep:]
		}
		o.tail = append(o.tail[:0], buf...)
	}
	o.mu.Unlock()
	return o.w.Write(p)
}

func (o *oomSniffer) detected() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.found
}
