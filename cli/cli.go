package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"ratchat/chat"
	"ratchat/store"
	"ratchat/transport"
)

// command is one subcommand: how it is called, what it does, an example,
// its own flags, and its code.
type command struct {
	name    string
	args    string // the positional arguments, for the usage line
	brief   string // one line for the overview
	summary string
	example string
	flags   func(fs *flag.FlagSet, o *flagValues) // registers the command's own flags
	run     func(c *cli, args []string) error
	nargs   [2]int // the least and most positional arguments (-1: any)
}

// globals are the flags every command takes.
type globals struct {
	profile, data            string
	listen, relay, advertise string
	passphraseFile           string
	config                   string // --config: the configuration file
}

// flagValues holds the commands' own flags (each command uses a few).
type flagValues struct {
	name, code, scan, key    string
	as                       string // accept --as
	allow, newPassphraseFile string
	folder, every, keep      string // of 'backup auto', parsed there
	textOnly, json           bool
	count                    int // messages -n
	timeout, retention       time.Duration
	yes                      bool             // backup restore --yes
	everyone                 bool             // delete --everyone
	force                    bool             // backup restore --force
	limits                   transport.Limits // relay's limits, set in relay.go
	nats                     natsFlags        // relay's JetStream backend (relay_nats.go)
	statsEvery               time.Duration    // relay --stats-every
	contact                  string           // search --contact
	format, out              string           // export --format, --out
	keepHistory              bool             // remove --keep-history
	serveParts               []servePart      // serve's business-mode parts, each with its flags
	role, skills             string           // yours: token create --role, --skills (issue 13 B)
	maxChats                 int              // yours: token create --max-chats (issue 13 B)
	arc                      archiveFlags     // yours: C, archive and audit (cli/archive.go)
	hookSecret               string           // yours: webhook add --secret
	hookAll                  bool             // yours: webhook replay --all
	hookID                   int64            // yours: webhook dead|replay --webhook
}

// cli is one invocation: its streams and flags.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	g              globals
	o              flagValues
	cmd            *command
}

// register adds the global flags to fs.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.profile, "profile", "default", "profile `NAME`, under the XDG data folder")
	fs.StringVar(&g.data, "data", "", "profile folder `DIR` (overrides --profile; the relay's data folder)")
	fs.StringVar(&g.listen, "listen", "", "`ADDR` the profile's home (or the relay) listens on")
	fs.StringVar(&g.relay, "relay", "", "use the relay at `ADDR` as the profile's home")
	fs.StringVar(&g.advertise, "advertise", "", "home `ADDR` to put in invites (host:port others reach)")
	fs.StringVar(&g.passphraseFile, "passphrase-file", "", "read the passphrase from `FILE` (mode 0600)")
	fs.StringVar(&g.config, "config", "", "read the configuration from `FILE` (default $XDG_CONFIG_HOME/ratchat/config.toml)")
}

// dispatch parses the global flags, finds the command and runs it.
func (c *cli) dispatch(args []string) error {
	fs := c.flagSet("ratchat")
	if err := fs.Parse(args); err != nil {
		return c.flagError(err)
	}
	name, rest := "", fs.Args()
	if len(rest) > 0 {
		name, rest = rest[0], rest[1:]
	}
	for _, cmd := range commands {
		if cmd.name == name {
			c.cmd = cmd
			return c.runCommand(rest)
		}
	}
	return usagef("unknown command %q (try 'ratchat help')", name)
}

// runCommand parses a command's flags, wherever they are among its
// arguments, checks the argument count, and runs it.
func (c *cli) runCommand(args []string) error {
	before := c.g // registering the flags again resets them to their defaults
	fs := c.flagSet("ratchat " + c.cmd.name)
	c.g = before
	if c.cmd.flags != nil {
		c.cmd.flags(fs, &c.o)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return c.flagError(err)
	}
	lo, hi := c.cmd.nargs[0], c.cmd.nargs[1]
	if len(pos) < lo || hi >= 0 && len(pos) > hi {
		return usagef("usage: ratchat %s %s", c.cmd.name, c.cmd.args)
	}
	return c.cmd.run(c, pos)
}

// flagSet returns a flag set with the global flags, which prints nothing
// itself: errors go through exit, help through printHelp.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.g.register(fs)
	return fs
}

// flagError turns a flag error into a usage error, or -h into the help.
func (c *cli) flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		if c.cmd == nil {
			printUsage(c.stdout)
		} else {
			c.printHelp()
		}
		return nil
	}
	return usagef("%v", err)
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (`ratchat send Bob hi --timeout 5s`); after "--"
// everything is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// options says where the profile is and how its messenger runs.
func (c *cli) profile() (chat.Profile, error) {
	dir := c.g.data
	if dir == "" {
		var err error
		if dir, err = store.DefaultDir(c.g.profile); err != nil {
			return chat.Profile{}, usagef("--profile: %v", err)
		}
	}
	return chat.Profile{Dir: dir, Listen: c.g.listen, Advertise: c.g.advertise,
		Relay: c.g.relay, Store: extraStoreOptions}, nil
}

// printf writes to standard output.
func (c *cli) printf(format string, a ...any) { fmt.Fprintf(c.stdout, format, a...) }

// note writes a line for the person at the terminal to standard error,
// keeping standard output for what scripts read.
func (c *cli) note(format string, a ...any) {
	fmt.Fprintf(c.stderr, format+"\n", a...)
}

// printHelp prints the help of the current command.
func (c *cli) printHelp() {
	cmd := c.cmd
	name := strings.TrimSpace("ratchat " + cmd.name)
	fmt.Fprintf(c.stdout, "Usage: %s %s\n\n%s\n\nExample:\n  %s\n", name, cmd.args, cmd.summary, cmd.example)
	if cmd.flags != nil {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		cmd.flags(fs, &flagValues{})
		fmt.Fprint(c.stdout, "\nFlags:\n")
		fs.SetOutput(c.stdout)
		fs.PrintDefaults()
	}
	fmt.Fprint(c.stdout, "\nThe global flags (--profile, --data, ...) apply too: see 'ratchat help'.\n")
}

// printJSON writes v as indented JSON on standard output.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
