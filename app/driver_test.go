package app

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// driver runs a model as tea.Program would, without a terminal: commands
// run in goroutines (some, like ui.ListenCmd, block until the core has
// news) and their messages are applied one at a time, in arrival order.
type driver struct {
	m    tea.Model
	msgs chan tea.Msg
}

func newDriver(m tea.Model) *driver { return &driver{m: m, msgs: make(chan tea.Msg, 256)} }

// exec runs a command, batches included.
func (d *driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if msg := cmd(); msg != nil {
			d.msgs <- msg
		}
	}()
}

// send applies a message and runs the command it returns.
func (d *driver) send(msg tea.Msg) {
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			d.exec(c)
		}
		return
	}
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	d.exec(cmd)
}

// until applies messages until done accepts the view.
func (d *driver) until(tb testing.TB, done func(view string) bool) {
	tb.Helper()
	deadline := time.After(20 * time.Second)
	for !done(d.m.View()) {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			tb.Fatalf("the interface never got there; the screen:\n%s", d.m.View())
		}
	}
}
