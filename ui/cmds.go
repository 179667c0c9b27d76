package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"
)

// The messages below carry the results of calls into the core. Each is made
// by a Cmd constructor that runs the call, so that no component calls the
// core outside a tea.Cmd.

// errMsg reports a failed call that has no screen of its own; the status
// bar shows it.
type errMsg struct{ err error }

// noticeMsg is a short confirmation for the status bar.
type noticeMsg struct{ text string }

// contactsMsg carries the contact list.
type contactsMsg struct {
	items []ContactItem
	err   error
}

// statusMsg carries the profile's status.
type statusMsg struct {
	status Status
	err    error
}

// pageMsg carries one page of a chat, older than before.
type pageMsg struct {
	contact, before int64
	items           []MessageItem
	err             error
}

// sentMsg carries the result of sending a text.
type sentMsg struct {
	contact int64
	text    string
	item    MessageItem
	err     error
}

// contactAddedMsg carries a contact added with /add.
type contactAddedMsg struct {
	contact ContactItem
	err     error
}

// ContactsCmd loads the contact list.
func ContactsCmd(c Messenger) tea.Cmd {
	return func() tea.Msg {
		items, err := c.Contacts()
		return contactsMsg{items, err}
	}
}

// StatusCmd loads the profile's status.
func StatusCmd(c Messenger) tea.Cmd {
	return func() tea.Msg {
		s, err := c.Status()
		return statusMsg{s, err}
	}
}

// PageCmd loads n messages of a chat older than before (the newest when
// before <= 0).
func PageCmd(c Messenger, contact, before int64, n int) tea.Cmd {
	return func() tea.Msg {
		items, err := c.Messages(contact, before, n)
		return pageMsg{contact, before, items, err}
	}
}

// SendCmd sends a text to a contact.
func SendCmd(c Messenger, contact int64, text string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.Send(contact, text)
		return sentMsg{contact, text, item, err}
	}
}

// MarkReadCmd marks a chat read up to Seq upTo.
func MarkReadCmd(c Messenger, contact, upTo int64) tea.Cmd {
	return func() tea.Msg {
		if err := c.MarkRead(contact, upTo); err != nil {
			return errMsg{err}
		}
		return nil
	}
}

// AddContactCmd adds the contact an invite names.
func AddContactCmd(c Messenger, invite string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.AddContact(invite)
		return contactAddedMsg{item, err}
	}
}

// jobMsg reports the progress or the end of a long operation.
type jobMsg struct {
	id          int
	done, total int64
	finished    bool
	value       any
	err         error
	next        tea.Cmd // reads the job's next report; nil once finished
}

// job is a long operation (a backup, a restore, a file) that reports
// progress and can be cancelled.
type job struct {
	id       int
	ctx      context.Context
	cancel   context.CancelFunc
	progress chan jobMsg
	result   chan jobMsg
}

// newJob prepares a job; Start runs it.
func newJob(id int) *job {
	ctx, cancel := context.WithCancel(context.Background())
	return &job{id: id, ctx: ctx, cancel: cancel,
		progress: make(chan jobMsg, 1), result: make(chan jobMsg, 1)}
}

// Start returns the Cmd that runs fn in its own goroutine and delivers its
// first report. Progress reports are dropped while the interface is behind,
// so that a slow screen never slows the work; the final one never is.
func (j *job) Start(fn func(ctx context.Context, p Progress) (any, error)) tea.Cmd {
	return func() tea.Msg {
		go func() {
			v, err := fn(j.ctx, func(done, total int64) {
				select {
				case j.progress <- jobMsg{id: j.id, done: done, total: total}:
				default:
				}
			})
			j.result <- jobMsg{id: j.id, finished: true, value: v, err: err}
		}()
		return j.wait()
	}
}

// wait blocks for the job's next report.
func (j *job) wait() tea.Msg {
	select {
	case m := <-j.result:
		return m
	case m := <-j.progress:
		m.next = j.wait
		return m
	}
}

// autoSettingsMsg carries the automatic-backup settings.
type autoSettingsMsg struct {
	settings AutoBackupSettings
	err      error
}

// autoEnabledMsg carries the recovery key of automatic backups just
// turned on, and their settings.
type autoEnabledMsg struct {
	settings AutoBackupSettings
	key      string
	err      error
}

// autoDisabledMsg reports automatic backups turned off.
type autoDisabledMsg struct{ err error }

// AutoBackupCmd loads the automatic-backup settings.
func AutoBackupCmd(c Backups) tea.Cmd {
	return func() tea.Msg {
		s, err := c.AutoBackup()
		return autoSettingsMsg{s, err}
	}
}

// EnableAutoBackupCmd turns automatic backups on with the settings s,
// and reads them back as the core keeps them (a folder made absolute).
func EnableAutoBackupCmd(c Backups, s AutoBackupSettings) tea.Cmd {
	return func() tea.Msg {
		key, err := c.EnableAutoBackup(s.Folder, s.Every, s.Keep)
		if err != nil {
			return autoEnabledMsg{err: err}
		}
		if kept, err := c.AutoBackup(); err == nil && kept.On {
			s = kept
		}
		s.On = true
		return autoEnabledMsg{s, key, nil}
	}
}

// DisableAutoBackupCmd turns automatic backups off.
func DisableAutoBackupCmd(c Backups) tea.Cmd {
	return func() tea.Msg { return autoDisabledMsg{c.DisableAutoBackup()} }
}
