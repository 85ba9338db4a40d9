// crash: a static binary that fails like a misconfigured app. Built into a scratch image (no shell, no
// tools) for the kind e2e: the debuggable copy must bring its own busybox, and `rerun` must reproduce
// this exit code.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintf(os.Stderr, "crash: cannot load config %v: no such file or directory\n", os.Args[1:])
	os.Exit(3)
}
