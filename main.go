// Command ratchat is an end-to-end encrypted messenger for the terminal.
//
// This build has the protocol engine (packages keys and session); the
// interface, the store and the transport are being built. Until they land
// the command prints its usage and version.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is the release; `go build -ldflags "-X main.version=..."` sets it.
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the process exit code:
// 0 on success, 2 for a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "ratchat %s\n", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "ratchat: unknown command %q (try 'ratchat help')\n", args[0])
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `ratchat: end-to-end encrypted chat in your terminal

Usage:
  ratchat version     print the version
  ratchat help        this text

The chat interface, relay, invites and backups arrive in coming releases.
`)
}
