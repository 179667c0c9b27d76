package cli

import (
	"context"
	"strconv"
	"strings"
	"time"

	"ratchat/chat"
	"ratchat/ui"
)

// autoBackup prints, turns on or turns off the automatic backups.
func (c *cli) autoBackup(args []string) error {
	given := c.o.folder != "" || c.o.every != "" || c.o.keep != ""
	switch {
	case len(args) == 1 && args[0] == "off" && !given:
		return c.withCore(c.disableAutoBackup)
	case len(args) > 0:
		return usagef("usage: ratchat backup auto [off | --folder DIR [--every 24h] [--keep N]]")
	case c.o.folder != "":
		every, keep, err := c.autoSchedule()
		if err != nil {
			return err
		}
		return c.withCore(func(m *chat.Messenger) error { return c.enableAutoBackup(m, every, keep) })
	case given:
		return usagef("automatic backups need --folder DIR")
	}
	return c.withCore(c.printAutoBackup)
}

// autoSchedule reads --every and --keep, or their defaults.
func (c *cli) autoSchedule() (time.Duration, int, error) {
	every, keep := chat.DefaultAutoBackupEvery, chat.DefaultAutoBackupKeep
	if c.o.every != "" {
		d, err := ui.ParseInterval(c.o.every)
		if err != nil {
			return 0, 0, usagef("--every: %v", err)
		}
		every = d
	}
	if c.o.keep != "" {
		n, err := strconv.Atoi(strings.TrimSpace(c.o.keep))
		if err != nil || n < 0 {
			return 0, 0, usagef("--keep: %q is not a number of backups (0 keeps them all)", c.o.keep)
		}
		keep = n
	}
	return every, keep, nil
}

// enableAutoBackup turns automatic backups on and prints their key once.
func (c *cli) enableAutoBackup(m *chat.Messenger, every time.Duration, keep int) error {
	ctx := context.Background()
	key, err := m.EnableAutoBackup(ctx, chat.AutoBackup{Folder: c.o.folder, Every: every, Keep: keep})
	if err != nil {
		return err
	}
	s, _, err := m.AutoBackupSettings(ctx)
	if err != nil {
		return err
	}
	c.note("Automatic backups on: every %s into %s, keeping %s.\n"+
		"They are written only while ratchat runs (the interface).\n"+
		"Their recovery key, shown this once: write it down.", interval(s.Every), s.Folder, kept(s.Keep))
	c.printf("%s\n", key.Display())
	return nil
}

// disableAutoBackup turns automatic backups off.
func (c *cli) disableAutoBackup(m *chat.Messenger) error {
	ctx := context.Background()
	s, on, err := m.AutoBackupSettings(ctx)
	if err != nil {
		return err
	}
	if err := m.DisableAutoBackup(ctx); err != nil {
		return err
	}
	if on {
		c.note("Automatic backups off. The backups written so far stay in %s.", s.Folder)
	} else {
		c.note("Automatic backups were off already.")
	}
	return nil
}

// printAutoBackup prints the settings, one "name: value" line each.
func (c *cli) printAutoBackup(m *chat.Messenger) error {
	s, on, err := m.AutoBackupSettings(context.Background())
	if err != nil {
		return err
	}
	if !on {
		c.printf("automatic backups: off\n")
		return nil
	}
	c.printf("automatic backups: on\nfolder: %s\nevery: %s\nkeep: %d\n", s.Folder, interval(s.Every), s.Keep)
	c.note("They are written only while ratchat runs (the interface); 'keep: 0' keeps them all.")
	return nil
}

// interval renders an interval as --every takes it ("24h", "7d").
func interval(d time.Duration) string {
	const day = 24 * time.Hour
	if d%day == 0 && d > day {
		return strconv.Itoa(int(d/day)) + "d"
	}
	s := d.String() // "24h0m0s", "1h30m0s", "1m30s"
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// kept says how many backups are kept.
func kept(n int) string {
	if n == 0 {
		return "all of them"
	}
	return "the newest " + strconv.Itoa(n)
}
