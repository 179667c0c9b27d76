package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"ratchat/api"
	"ratchat/chat"
	"ratchat/store"
)

var backupCommand = &command{
	brief: "export or restore an encrypted backup; automatic backups",
	name:  "backup",
	args:  "export FILE | restore FILE [--key KEY] [--yes] [--force] | auto [off | --folder DIR [--every 24h] [--keep N]]",
	summary: "Export your history to an encrypted backup (the 64-digit recovery key is printed once:\n" +
		"write it down), or restore one into the profile (which must not be open elsewhere).\n" +
		"The key of a restore comes from --key, $" + recoveryKeyEnv + ", or a hidden prompt.\n" +
		"A restore over an existing profile replaces its history: on a terminal ratchat asks\n" +
		"first; scripts pass --yes. A backup of another identity than the profile's is refused\n" +
		"unless --force is given; the replaced profile is then kept aside in its folder\n" +
		"(ratchat.db.replaced-TIME). Its progress goes to standard error.\n\n" +
		"'backup auto' prints the automatic-backup settings; with --folder it turns automatic\n" +
		"backups on (or changes them) and prints their new recovery key once; 'backup auto off'\n" +
		"turns them off. The schedule runs only while ratchat runs (the interface): no backup is\n" +
		"written while it is closed.",
	example: "ratchat backup export ~/ratchat.rcb   then   ratchat backup restore ~/ratchat.rcb --key '1234 ...'\n" +
		"  ratchat backup auto --folder ~/ratchat-backups --every 24h --keep 7",
	flags: func(fs *flag.FlagSet, o *flagValues) {
		fs.StringVar(&o.key, "key", "", "the recovery `KEY` of a restore (64 digits, spaces allowed)")
		fs.BoolVar(&o.yes, "yes", false, "restore over an existing profile without asking (for scripts)")
		fs.BoolVar(&o.force, "force", false, "restore a backup of another identity, keeping the replaced profile aside")
		fs.StringVar(&o.folder, "folder", "", "'backup auto': the `DIR` automatic backups go into")
		fs.StringVar(&o.every, "every", "", "'backup auto': the `INTERVAL` between two, such as 24h, 90m or 7d (default 24h)")
		fs.StringVar(&o.keep, "keep", "", "'backup auto': keep the newest `N` backups, 0 for all (default 7)")
	},
	nargs: [2]int{1, 2},
	run: func(c *cli, args []string) error {
		switch {
		case args[0] == "auto":
			return c.autoBackup(args[1:])
		case c.o.folder != "" || c.o.every != "" || c.o.keep != "":
			return usagef("--folder, --every and --keep go with 'ratchat backup auto'")
		case len(args) == 2 && args[0] == "export":
			return c.exportBackup(args[1])
		case len(args) == 2 && args[0] == "restore":
			return c.restoreBackup(args[1])
		}
		return usagef("usage: ratchat backup export FILE | restore FILE --key KEY | auto [off]")
	},
}

// exportBackup writes a backup and prints its recovery key.
func (c *cli) exportBackup(path string) error {
	abs, err := filepath.Abs(path) // the process that owns the profile may run elsewhere
	if err != nil {
		return err
	}
	return c.withAPI(func(rpc caller) error {
		var r api.BackupExportResult
		if err := rpc.Call(context.Background(), "backup.export", api.BackupExportParams{Path: abs}, &r); err != nil {
			return err
		}
		c.note("Backup written to %s. Its recovery key, shown this once: write it down.", path)
		c.printf("%s\n", r.RecoveryKey)
		return nil
	})
}

// restoreBackup restores a backup into the (closed) profile. Replacing an
// existing profile takes a confirmation (confirmRestore), and its
// passphrase is asked for, so that the restored one opens with it; a new
// profile gets a new one.
func (c *cli) restoreBackup(path string) error {
	p, err := c.profile()
	if err != nil {
		return err
	}
	key, err := c.recoveryKey()
	if err != nil {
		return err
	}
	exists, err := p.Exists()
	if err != nil {
		return err
	}
	if exists {
		if err := c.confirmRestore(p.Dir); err != nil {
			return err
		}
	}
	pass, err := c.restorePassphrase(p, exists)
	if err != nil {
		return err
	}
	defer clear(pass)
	progress := newRestoreProgress(c.stderr)
	progress.start()
	var opts []chat.RestoreOption
	if c.o.force {
		opts = append(opts, chat.ForceRestore())
	}
	res, err := chat.RestoreProfile(context.Background(), p, path, key, pass, progress.report, opts...)
	progress.end()
	if errors.Is(err, chat.ErrOtherIdentity) {
		return fmt.Errorf("%w: nothing was changed; to replace your identity with the backup's, "+
			"run again with --force (the current profile is kept aside in %s)", err, p.Dir)
	}
	if err != nil {
		return err
	}
	c.printf("restored %d contacts and %d messages; every contact gets a fresh session\n", res.Contacts, res.Messages)
	switch {
	case res.ArchiveErr != nil:
		fmt.Fprintf(c.stderr, "warning: the compliance archive in the profile folder was not taken back: %v\n", res.ArchiveErr)
	case res.Archive > 0:
		c.printf("the compliance archive is back: %d records\n", res.Archive)
	}
	return nil
}

// recoveryKey reads the recovery key of a restore.
func (c *cli) recoveryKey() (store.RecoveryKey, error) {
	text := c.o.key
	if text == "" {
		text = os.Getenv(recoveryKeyEnv)
	}
	if text == "" {
		b, err := c.prompt("Recovery key: ")
		if err != nil {
			return store.RecoveryKey{}, usagef("restore needs --key KEY (or $%s)", recoveryKeyEnv)
		}
		text = string(b)
	}
	return store.ParseRecoveryKey(text)
}

// restorePassphrase is the passphrase the restored profile opens with:
// the existing profile's, checked first, or a new one.
func (c *cli) restorePassphrase(p chat.Profile, exists bool) ([]byte, error) {
	if !exists {
		return c.newPassphrase(c.g.passphraseFile, store.PassphraseEnv)
	}
	pass, err := c.passphrase()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(p.Dir, pass, p.Store...)
	if err != nil {
		return nil, err
	}
	return pass, st.Close()
}
