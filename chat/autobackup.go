package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// EnableAutoBackup turns on automatic backups and returns the fresh
// recovery key they are sealed under, for the user to write down: it is
// shown once. The first backup under it is due at once.
func (m *Messenger) EnableAutoBackup(ctx context.Context, a AutoBackup) (store.RecoveryKey, error) {
	if a.Folder == "" || a.Every < time.Minute || a.Keep < 0 {
		return store.RecoveryKey{}, fmt.Errorf("chat: automatic backups need a folder, an interval of a minute or more, and a count kept of 0 or more")
	}
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
