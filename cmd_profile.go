package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/mdp/qrterminal/v3"

	"ratchat/app"
	"ratchat/store"
	"ratchat/ui"
)

// flushWait bounds how long a command waits for what it queued to leave.
const flushWait = 15 * time.Second

// openCore opens the profile and starts its messenger.
func (c *cli) openCore() (*app.Core, error) {
	opts, err := c.options()
	if err != nil {
		return nil, err
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	return app.NewOpener(opts).Open(pass)
}

// withCore runs fn on the open profile and closes it.
func (c *cli) withCore(fn func(core *app.Core) error) error {
	core, err := c.openCore()
	if err != nil {
		return err
	}
	err = fn(core)
	if cerr := core.Close(); err == nil {
		err = cerr
	}
	return err
}

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
		opts, err := c.options()
		if err != nil {
			return err
		}
		pass, err := c.newPassphrase(c.g.passphraseFile, store.PassphraseEnv)
		if err != nil {
			return err
		}
		defer clear(pass)
		core, err := app.NewOpener(opts).CreateCore(c.o.name, pass)
		if err != nil {
			return err
		}
		defer core.Close()
		invite, err := core.Invite()
		c.note("Created the profile in %s.", opts.Dir)
		c.printf("%s\n", invite)
		return err
	},
}

var inviteCommand = &command{
	brief:   "print your invite as text and QR code",
	name:    "invite",
	args:    "",
	summary: "Print your invite, as text and as a QR code: whoever adds it can write to you.",
	example: "ratchat invite --text > my-invite.txt",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.BoolVar(&o.textOnly, "text", false, "print the text only, without the QR code")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withCore(func(core *app.Core) error {
			invite, err := core.Invite()
			if err != nil {
				return err
			}
			c.printf("%s\n", invite)
			if !c.o.textOnly {
				qrterminal.GenerateWithConfig(invite, qrterminal.Config{
					Level: qrterminal.L, Writer: c.stdout, HalfBlocks: true, QuietZone: 2,
					BlackChar: qrterminal.BLACK_BLACK, BlackWhiteChar: qrterminal.BLACK_WHITE,
					WhiteChar: qrterminal.WHITE_WHITE, WhiteBlackChar: qrterminal.WHITE_BLACK,
				})
			}
			return nil
		})
	},
}

var addCommand = &command{
	brief:   "add a contact from their invite",
	name:    "add",
	args:    "INVITE [--name NAME]",
	summary: "Add a contact from their invite: starts a session and sends them your name and home.",
	example: "ratchat add RATCHAT1:... --name Bob",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.name, "name", "", "what to call the contact (default: the name they send)")
	},
	nargs: [2]int{1, 1},
	run: func(c *cli, args []string) error {
		return c.withCore(func(core *app.Core) error {
			sc, err := core.Add(args[0], c.o.name)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), flushWait)
			defer cancel()
			if !core.Flush(ctx) {
				c.note("The first message is still queued; it goes out the next time ratchat runs.")
			}
			c.printf("added %s (id %d)\n", ui.SanitizeLine(app.DisplayName(sc)), sc.ID)
			return nil
		})
	},
}

var contactsCommand = &command{
	brief:   "list contacts with unread counts and marks",
	name:    "contacts",
	args:    "",
	summary: "List your contacts: id, name, verification, unread messages and the last one's time.",
	example: "ratchat contacts --profile work",
	nargs:   [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		return c.withCore(func(core *app.Core) error {
			items, err := core.Contacts()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tVERIFIED\tUNREAD\tLAST")
			for _, it := range items {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", it.ID, ui.SanitizeLine(it.Name),
					verifiedText(it), it.Unread, lastText(it.LastAt))
			}
			return w.Flush()
		})
	},
}

// verifiedText says where a contact's verification stands.
func verifiedText(it ui.ContactItem) string {
	switch {
	case it.KeyChanged:
		return "KEY CHANGED"
	case it.Verified:
		return "yes"
	}
	return "no"
}

// lastText formats the time of a chat's last message.
func lastText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}
