package cli

import (
	"fmt"
	"io"
	"strings"
)

var versionCommand = &command{
	brief: "print the version",
	name:  "version", summary: "Print the version.", example: "ratchat version",
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		c.printf("ratchat %s\n", Version)
		return nil
	},
}

var helpCommand = &command{
	brief: "this help, or a command's",
	name:  "help", args: "[COMMAND]", summary: "Print this help, or a command's.", example: "ratchat help send",
	nargs: [2]int{0, 1},
}

// init sets help's code, which lists the commands (a cycle otherwise).
func init() { helpCommand.run = runHelp }

// runHelp prints the overview or a command's help.
func runHelp(c *cli, args []string) error {
	if len(args) == 0 {
		printUsage(c.stdout)
		return nil
	}
	for _, cmd := range commands {
		if cmd.name == args[0] && cmd.name != "" {
			c.cmd = cmd
			c.printHelp()
			return nil
		}
	}
	return usagef("no command %q", args[0])
}

// printUsage prints the overview: commands, global flags, environment and
// exit codes.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "ratchat: end-to-end encrypted chat in your terminal\n\nUsage:\n")
	for _, cmd := range commands {
		line := strings.TrimSpace("ratchat " + cmd.name + " " + cmd.args)
		fmt.Fprintf(w, "  %s\n      %s\n", line, cmd.brief)
	}
	fmt.Fprint(w, `
Global flags (before or after the command):
  --profile NAME          profile under $XDG_DATA_HOME/ratchat (default "default")
  --data DIR              profile folder (overrides --profile); the relay's data folder
  --listen ADDR           where the profile's home listens (default: as last time,
                          else 127.0.0.1 on a free port)
  --relay ADDR            use a relay as the profile's home instead
  --advertise ADDR        the home address put in invites (e.g. your LAN address)
  --passphrase-file FILE  read the passphrase from FILE (mode 0600)
  --config FILE           the configuration file (default
                          $XDG_CONFIG_HOME/ratchat/config.toml; see 'ratchat config')

Environment:
  RATCHAT_PASSPHRASE      the passphrase, for scripts (else a hidden prompt)
  RATCHAT_NEW_PASSPHRASE  the new passphrase of 'ratchat passwd'
  RATCHAT_RECOVERY_KEY    the recovery key of 'ratchat backup restore'

'ratchat COMMAND -h' shows a command's flags and an example.

`)
	fmt.Fprint(w, exitCodes)
}
