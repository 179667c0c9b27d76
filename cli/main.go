package cli

import "io"

// Version is the release; `go build -ldflags "-X ratchat/cli.Version=..."`
// sets it.
var Version = "0.1.0-dev"

// commands are the subcommands, in the order help lists them. The empty
// name is the interface.
var commands = []*command{
	uiCommand, initCommand, inviteCommand, addCommand, contactsCommand, requestsCommand, acceptCommand, blockCommand,
	unblockCommand, renameCommand, removeCommand, searchCommand, exportCommand,
	groupsCommand, groupCommand,
	webhookCommand,
	sendCommand, messagesCommand, replyCommand, editCommand, deleteCommand, reactCommand, verifyCommand, filesCommand, muteCommand,
	backupCommand, passwdCommand, serveCommand, relayCommand, configCommand, versionCommand, helpCommand,
	tokenCommand,                 // issue 13 B
	archiveCommand, auditCommand, // C: archive and audit (issue 13)
}

// Main executes one command line and returns the process exit code (see
// exitCodes).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr}
	return c.exit(c.dispatch(args))
}
