// Command ratchat is an end-to-end encrypted messenger for the terminal.
//
// Without a command it runs the interface; its commands run a relay and
// script a profile (invite, add, contacts, send, verify, backup, passwd).
// `ratchat help` lists them with the exit codes. The commands' logic lives
// in the cmd_*.go files beside this one, and the adapter between the
// messenger core and the interface in package app.
package main

import (
	"io"
	"os"
)

// version is the release; `go build -ldflags "-X main.version=..."` sets it.
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// commands are the subcommands, in the order help lists them. The empty
// name is the interface.
var commands = []*command{
	uiCommand, initCommand, inviteCommand, addCommand, contactsCommand,
	sendCommand, verifyCommand, backupCommand, passwdCommand, relayCommand,
	versionCommand, helpCommand,
}

// run executes one command line and returns the process exit code (see
// exitCodes).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	return c.exit(c.dispatch(args))
}
