package ui

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"ratchat/chat"
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
	items []chat.Summary
	err   error
}

// summaryMsg carries one contact's fresh summary.
type summaryMsg struct {
	summary chat.Summary
	err     error
}

// statusMsg carries the profile's status.
type statusMsg struct {
	status Status
	err    error
}

// pageMsg carries one page of a chat, older than before, and the cursor
// of the page before it.
type pageMsg struct {
	contact      chat.ContactID
	before, prev chat.Cursor
	items        []chat.Message
	err          error
}

// sentMsg carries the result of sending a text.
type sentMsg struct {
	contact chat.ContactID
	text    string
	item    chat.Message
	err     error
}

// contactAddedMsg carries a contact added with /add.
type contactAddedMsg struct {
	contact chat.Contact
	err     error
}

// ContactsCmd loads the contact list.
func ContactsCmd(c Messenger) tea.Cmd {
	return func() tea.Msg {
		items, err := c.Summaries(context.Background())
		if err != nil {
			return contactsMsg{nil, err}
		}
		// The requests follow the contacts, in a section of their own,
		// and the blocked senders come last.
		requests, err := c.Requests(context.Background())
		if err != nil {
			return contactsMsg{nil, err}
		}
		blocked, err := c.Blocked(context.Background())
		if err != nil {
			return contactsMsg{nil, err}
		}
		return contactsMsg{append(append(items, requests...), blocked...), nil}
	}
}

// SummaryCmd loads one contact's summary, after a change.
func SummaryCmd(c Messenger, id chat.ContactID) tea.Cmd {
	return func() tea.Msg {
		s, err := c.Summary(context.Background(), id)
		return summaryMsg{s, err}
	}
}

// StatusCmd loads the profile's name and home (the connection state comes
// in the core's events).
func StatusCmd(c Messenger) tea.Cmd {
	return func() tea.Msg {
		name, err := c.Name(context.Background())
		return statusMsg{Status{Profile: name, Home: c.Home(), ViaRelay: c.ViaRelay()}, err}
	}
}

// PageCmd loads n rows of a chat before the cursor (the newest for the
// zero cursor).
func PageCmd(c Messenger, contact chat.ContactID, before chat.Cursor, n int) tea.Cmd {
	return func() tea.Msg {
		items, prev, err := c.Messages(context.Background(), contact, before, n)
		return pageMsg{contact, before, prev, items, err}
	}
}

// SendCmd sends a text to a contact.
func SendCmd(c Messenger, contact chat.ContactID, text string) tea.Cmd {
	return func() tea.Msg {
		item, err := c.Send(context.Background(), contact, text)
		return sentMsg{contact, text, item, err}
	}
}

// MarkReadCmd marks a chat read up to Seq upTo.
func MarkReadCmd(c Messenger, contact chat.ContactID, upTo int64) tea.Cmd {
	return func() tea.Msg {
		if err := c.MarkRead(context.Background(), contact, upTo); err != nil {
			return errMsg{err}
		}
		return nil
	}
}

// AddContactCmd adds the contact an invite names, under name until it
// tells us its own ("" for none).
func AddContactCmd(c Messenger, invite, name string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), netTimeout)
		defer cancel()
		item, err := c.AddContact(ctx, invite, name)
		return contactAddedMsg{item, err}
	}
}

// netTimeout bounds a call that reaches another home (adding a contact).
const netTimeout = 30 * time.Second

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
// first report. While the interface is behind, a newer progress report
// replaces the one waiting, so that a slow screen never slows the work and
// still shows the latest state; the final report is never dropped.
func (j *job) Start(fn func(ctx context.Context, p progressFunc) (any, error)) tea.Cmd {
	return func() tea.Msg {
		go func() {
			v, err := fn(j.ctx, func(done, total int64) {
				j.report(jobMsg{id: j.id, done: done, total: total})
			})
			j.result <- jobMsg{id: j.id, finished: true, value: v, err: err}
		}()
		return j.wait()
	}
}

// report offers a progress report, replacing one not yet read. Only the
// job's goroutine sends, so after the drain the send cannot block.
func (j *job) report(m jobMsg) {
	select {
	case j.progress <- m:
		return
	default:
	}
	select {
	case <-j.progress:
	default:
	}
	select {
	case j.progress <- m:
	default:
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
	settings chat.AutoBackup
	on       bool
	err      error
}

// autoEnabledMsg carries the recovery key of automatic backups just
// turned on, and their settings.
type autoEnabledMsg struct {
	settings chat.AutoBackup
	key      chat.RecoveryKey
	err      error
}

// autoDisabledMsg reports automatic backups turned off.
type autoDisabledMsg struct{ err error }

// AutoBackupCmd loads the automatic-backup settings.
func AutoBackupCmd(c Backups) tea.Cmd {
	return func() tea.Msg {
		s, on, err := c.AutoBackupSettings(context.Background())
		return autoSettingsMsg{s, on, err}
	}
}

// EnableAutoBackupCmd turns automatic backups on with the settings s,
// and reads them back as the core keeps them (a folder made absolute).
func EnableAutoBackupCmd(c Backups, s chat.AutoBackup) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		key, err := c.EnableAutoBackup(ctx, s)
		if err != nil {
			return autoEnabledMsg{err: err}
		}
		if kept, on, err := c.AutoBackupSettings(ctx); err == nil && on {
			s = kept
		}
		return autoEnabledMsg{s, key, nil}
	}
}

// DisableAutoBackupCmd turns automatic backups off.
func DisableAutoBackupCmd(c Backups) tea.Cmd {
	return func() tea.Msg { return autoDisabledMsg{c.DisableAutoBackup(context.Background())} }
}
