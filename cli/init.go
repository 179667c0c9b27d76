package cli

import (
	"context"
	"flag"

	"ratchat/chat"
	"ratchat/store"
)

var initCommand = &command{
	brief:   "create a profile without the interface",
	name:    "init",
	args:    "--name NAME",
	summary: "Create a profile without the interface (for servers and scripts), and print its invite.",
	example: "RATCHAT_PASSPHRASE='correct horse battery' ratchat init --name Alice --data /tmp/alice",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.name, "name", "", "your display `NAME`, shown to your contacts")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		if c.o.name == "" {
			return usagef("init needs --name NAME")
		}
		p, err := c.profile()
		if err != nil {
			return err
		}
		pass, err := c.newPassphrase(c.g.passphraseFile, store.PassphraseEnv)
		if err != nil {
			return err
		}
		defer clear(pass)
		m, err := chat.Create(context.Background(), p, c.o.name, pass)
		if err != nil {
			return err
		}
		defer m.Close()
		c.waitReady(m)
		invite, err := m.Invite()
		c.note("Created the profile in %s.", p.Dir)
		c.printf("%s\n", invite)
		return err
	},
}
