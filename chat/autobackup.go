package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

// Settings of automatic backups. The recovery key is kept in the store
// (encrypted, like every setting) so that a scheduled backup needs no one
// at the keyboard; the user wrote it down when enabling them.
const (
	settingAutoFolder = "autobackup_folder"
	settingAutoEvery  = "autobackup_every"
	settingAutoKeep   = "autobackup_keep"
	settingAutoKey    = "autobackup_key"
	settingAutoLast   = "autobackup_last"
	// autoBackupCheck is how often the schedule is looked at.
	autoBackupCheck = time.Minute
)

// BackupWritten reports an automatic backup.
type BackupWritten struct {
	Path string
	Err  error
}

func (BackupWritten) isEvent() {}

// EnableAutoBackup turns on automatic backups and returns the fresh
// recovery key they are sealed under, for the user to write down: it is
// shown once.
func (m *Messenger) EnableAutoBackup(ctx context.Context, a AutoBackup) (store.RecoveryKey, error) {
	if a.Folder == "" || a.Every < time.Minute {
		return store.RecoveryKey{}, fmt.Errorf("chat: automatic backups need a folder and an interval of a minute or more")
	}
	key, err := store.NewRecoveryKey(m.rand)
	if err != nil {
		return key, err
	}
	for name, value := range map[string]string{
		settingAutoFolder: a.Folder,
		settingAutoEvery:  a.Every.String(),
		settingAutoKeep:   strconv.Itoa(a.Keep),
		settingAutoKey:    strings.ReplaceAll(key.Display(), " ", ""),
	} {
		if err := m.st.SetSetting(ctx, name, value); err != nil {
			return key, err
		}
	}
	return key, nil
}

// DisableAutoBackup turns automatic backups off and forgets their key.
func (m *Messenger) DisableAutoBackup(ctx context.Context) error {
	for _, name := range []string{settingAutoFolder, settingAutoEvery, settingAutoKeep, settingAutoKey, settingAutoLast} {
		if err := m.st.DeleteSetting(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// AutoBackupSettings returns the automatic-backup settings and whether
// they are on.
func (m *Messenger) AutoBackupSettings(ctx context.Context) (AutoBackup, bool, error) {
	var a AutoBackup
	folder, err := m.st.Setting(ctx, settingAutoFolder)
	if errors.Is(err, store.ErrNotFound) {
		return a, false, nil
	}
	if err != nil {
		return a, false, err
	}
	every, err1 := m.st.Setting(ctx, settingAutoEvery)
	keep, err2 := m.st.Setting(ctx, settingAutoKeep)
	if err := errors.Join(err1, err2); err != nil {
		return a, false, err
	}
	a.Folder = folder
	if a.Every, err = time.ParseDuration(every); err != nil {
		return a, false, fmt.Errorf("chat: backup interval: %w", err)
	}
	if a.Keep, err = strconv.Atoi(keep); err != nil {
		return a, false, fmt.Errorf("chat: backups kept: %w", err)
	}
	return a, true, nil
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
	a, on, err := m.AutoBackupSettings(ctx)
	if err != nil || !on {
		return "", err
	}
	if last, err := m.st.Setting(ctx, settingAutoLast); err == nil {
		if t, err := time.Parse(time.RFC3339, last); err == nil && m.now().Sub(t) < a.Every {
			return "", nil
		}
	}
	digits, err := m.st.Setting(ctx, settingAutoKey)
	if err != nil {
		return "", err
	}
	key, err := store.ParseRecoveryKey(digits)
	if err != nil {
		return "", err
	}
	path, err := m.st.BackupToFolder(ctx, a.Folder, key, a.Keep)
	if err != nil {
		return "", err
	}
	return path, m.st.SetSetting(ctx, settingAutoLast, m.now().UTC().Format(time.RFC3339))
}
