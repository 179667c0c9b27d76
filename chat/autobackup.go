package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ratchat/store"
)

// AutoBackup says where and how often the messenger writes backups on its
// own, and how many it keeps.
type AutoBackup struct {
	Folder string
	Every  time.Duration
	Keep   int
}

// Settings of automatic backups: one setting holds them all (so that they
// change in one write), another the time of the last backup. The recovery
// key is kept in the store (encrypted, like every setting) so that a
// scheduled backup needs no one at the keyboard; the user wrote it down
// when enabling them.
const (
	settingAutoBackup = "autobackup"
	settingAutoLast   = "autobackup_last"
	// autoBackupCheck is how often the schedule is looked at.
	autoBackupCheck = time.Minute
)

// autoBackupRecord is the stored form of the settings.
type autoBackupRecord struct {
	Folder string        `json:"folder"`
	Every  time.Duration `json:"every"`
	Keep   int           `json:"keep"`
	Key    string        `json:"key"`
}

// BackupWritten reports an automatic backup.
type BackupWritten struct {
	Path string
	Err  error
}

func (BackupWritten) isEvent() {}

// EnableAutoBackup turns on automatic backups (or changes them) and returns
// the fresh recovery key they are sealed under, for the user to write
// down: it is shown once. The first backup under it is due at once. The
// folder ("~/" allowed) is made absolute, since the profile may later run
// from anywhere, and created now (mode 0700), so that a folder that cannot
// be written is reported here rather than by the first scheduled backup.
// On any error automatic backups are off: half-written settings would fail
// on every check.
func (m *Messenger) EnableAutoBackup(ctx context.Context, a AutoBackup) (store.RecoveryKey, error) {
	key, err := m.enableAutoBackup(ctx, a)
	if err != nil {
		return key, errors.Join(err, m.DisableAutoBackup(ctx))
	}
	return key, nil
}

func (m *Messenger) enableAutoBackup(ctx context.Context, a AutoBackup) (store.RecoveryKey, error) {
	if a.Every < MinAutoBackupEvery || a.Keep < 0 {
		return store.RecoveryKey{}, fmt.Errorf("%w: every %v, keep %d", ErrAutoBackupSettings, a.Every, a.Keep)
	}
	dir, err := absFolder(a.Folder)
	if err != nil {
		return store.RecoveryKey{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return store.RecoveryKey{}, fmt.Errorf("chat: %w", err)
	}
	a.Folder = dir
	key, err := store.NewRecoveryKey(m.rand)
	if err != nil {
		return key, err
	}
	rec, err := json.Marshal(autoBackupRecord{Folder: a.Folder, Every: a.Every, Keep: a.Keep,
		Key: strings.ReplaceAll(key.Display(), " ", "")})
	if err != nil {
		return key, err
	}
	if err := m.st.DeleteSetting(ctx, settingAutoLast); err != nil {
		return key, err
	}
	return key, m.st.SetSetting(ctx, settingAutoBackup, string(rec))
}

// DisableAutoBackup turns automatic backups off and forgets their key.
func (m *Messenger) DisableAutoBackup(ctx context.Context) error {
	if err := m.st.DeleteSetting(ctx, settingAutoBackup); err != nil {
		return err
	}
	return m.st.DeleteSetting(ctx, settingAutoLast)
}

// AutoBackupSettings returns the automatic-backup settings and whether
// they are on.
func (m *Messenger) AutoBackupSettings(ctx context.Context) (AutoBackup, bool, error) {
	rec, on, err := m.autoBackupRecord(ctx)
	return AutoBackup{Folder: rec.Folder, Every: rec.Every, Keep: rec.Keep}, on, err
}

func (m *Messenger) autoBackupRecord(ctx context.Context) (autoBackupRecord, bool, error) {
	var rec autoBackupRecord
	v, err := m.st.Setting(ctx, settingAutoBackup)
	if errors.Is(err, store.ErrNotFound) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	if err := json.Unmarshal([]byte(v), &rec); err != nil {
		return rec, false, fmt.Errorf("chat: automatic backup settings: %w", err)
	}
	return rec, true, nil
}

// autoBackupLoop writes a backup whenever one is due.
func (m *Messenger) autoBackupLoop(ctx context.Context) {
	for {
		if path, err := m.autoBackupIfDue(ctx); path != "" || err != nil {
			if ctx.Err() != nil {
				return
			}
			m.events.emit(BackupWritten{Path: path, Err: err})
		}
		if !sleep(ctx, autoBackupCheck) {
			return
		}
	}
}

// autoBackupIfDue writes a backup if automatic backups are on and the
// interval has passed since the last one.
func (m *Messenger) autoBackupIfDue(ctx context.Context) (string, error) {
	rec, on, err := m.autoBackupRecord(ctx)
	if err != nil || !on {
		return "", err
	}
	if last, err := m.st.Setting(ctx, settingAutoLast); err == nil {
		if t, err := time.Parse(time.RFC3339, last); err == nil && m.now().Sub(t) < rec.Every {
			return "", nil
		}
	}
	key, err := store.ParseRecoveryKey(rec.Key)
	if err != nil {
		return "", err
	}
	path, err := m.st.BackupToFolder(ctx, rec.Folder, key, rec.Keep)
	if err != nil {
		return "", err
	}
	return path, m.st.SetSetting(ctx, settingAutoLast, m.now().UTC().Format(time.RFC3339))
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
			return "", fmt.Errorf("chat: %w", err)
		}
		folder = filepath.Join(home, folder[1:])
	}
	abs, err := filepath.Abs(folder)
	if err != nil {
		return "", fmt.Errorf("chat: %w", err)
	}
	return abs, nil
}
