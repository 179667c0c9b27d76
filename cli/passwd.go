package cli

import (
	"context"
	"flag"

	"ratchat/store"
)

var passwdCommand = &command{
	brief: "change the passphrase",
	name:  "passwd",
	args:  "",
	summary: "Change the profile's passphrase. The new one comes from --new-passphrase-file,\n" +
		"$" + newPassphraseEnv + ", or is typed twice.",
	example: "ratchat passwd --profile work",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.newPassphraseFile, "new-passphrase-file", "", "read the new passphrase from `FILE` (mode 0600)")
	},
	nargs: [2]int{0, 0},
	run: func(c *cli, _ []string) error {
		p, err := c.profile()
		if err != nil {
			return err
		}
		old, err := c.passphrase()
		if err != nil {
			return err
		}
		defer clear(old)
		st, err := store.Open(p.Dir, old, p.Store...)
		if err != nil {
			return err
		}
		defer st.Close()
		next, err := c.newPassphrase(c.o.newPassphraseFile, newPassphraseEnv)
		if err != nil {
			return err
		}
		defer clear(next)
		if err := st.ChangePassphrase(context.Background(), old, next); err != nil {
			return err
		}
		c.note("Passphrase changed.")
		return nil
	},
}
