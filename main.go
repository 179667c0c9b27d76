// Command ratchat is an end-to-end encrypted messenger for the terminal.
//
// Without a command it runs the interface; its commands run a relay and
// script a profile. `ratchat help` lists them with the exit codes. The
// commands live in package cli, the messenger core in package chat.
package main

import (
	"os"

	"ratchat/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
