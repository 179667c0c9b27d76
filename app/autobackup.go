package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ratchat/chat"
	"ratchat/ui"
)

// AutoBackup returns the automatic-backup settings; On is false when they
// are off.
func (c *Core) AutoBackup() (ui.AutoBackupSettings, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	a, on, err := c.m.AutoBackupSettings(context.Background())
	if err != nil || !on {
		return ui.AutoBackupSettings{}, err
	}
	return ui.AutoBackupSettings{On: true, Folder: a.Folder, Every: a.Every, Keep: a.Keep}, nil
}

// EnableAutoBackup turns automatic backups on, or changes them, and
// returns the fresh recovery key they are sealed under (16 groups of 4
// digits), for the user to write down. The folder ("~/" allowed) is made
// absolute, since the interface may later run from anywhere, and created
// now (mode 0700), so that a folder that cannot be written is reported
// here rather than by the first scheduled backup. On any error automatic
// backups are off: half-written settings would fail on every check.
func (c *Core) EnableAutoBackup(folder string, every time.Duration, keep int) (string, error) {
	if keep < 0 {
		return "", fmt.Errorf("%w: the number kept is %d", ErrAutoBackupSettings, keep)
	}
	dir, err := absFolder(folder)
	if err != nil {
		return "", err
	}
	if every < time.Minute {
		return "", fmt.Errorf("%w: every %v is under a minute", ErrAutoBackupSettings, every)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	ctx := context.Background()
	c.mu.RLock()
	defer c.mu.RUnlock()
	key, err := c.m.EnableAutoBackup(ctx, chat.AutoBackup{Folder: dir, Every: every, Keep: keep})
	if err != nil {
		return "", errors.Join(err, c.m.DisableAutoBackup(ctx))
	}
	return key.Display(), nil
}

// DisableAutoBackup turns automatic backups off and forgets their key;
// the backups already written stay in their folder.
func (c *Core) DisableAutoBackup() error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m.DisableAutoBackup(context.Background())
}

// absFolder expands a leading "~" to the home folder (the interface's
// fields get no shell expansion) and makes the path absolute.
func absFolder(folder string) (string, error) {
	folder = strings.TrimSpace(folder)
	if folder == "" {
		return "", fmt.Errorf("%w: no folder", ErrAutoBackupSettings)
	}
	if folder == "~" || strings.HasPrefix(folder, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("app: %w", err)
		}
		folder = filepath.Join(home, folder[1:])
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	return abs, nil
}
