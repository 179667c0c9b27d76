package ui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// timed is a message that Common.After was asked to deliver later.
type timed struct {
	d   time.Duration
	msg tea.Msg
}

// clockedApp returns the main screen at 80×24 whose timed messages are
// recorded in *pending instead of delivered.
func clockedApp(t *testing.T, pending *[]timed) *App {
	t.Helper()
	c := testCommon(0, 0)
	c.After = func(d time.Duration, msg tea.Msg) tea.Cmd {
		*pending = append(*pending, timed{d, msg})
		return nil
	}
	a := NewMainApp(c, newFakeCore())
	drive(a, a.Init()(), windowSize(80, 24))
	return a
}

func TestNoticesExpire(t *testing.T) {
	var pending []timed
	a := clockedApp(t, &pending)
	drive(a, noticeMsg{"Added Bob"})
	drive(a, errMsg{errTimer})
	if len(pending) != 2 || !strings.Contains(a.View(), "usage: /timer") {
		t.Fatalf("%d timers, view:\n%s", len(pending), a.View())
	}
	if pending[1].d <= pending[0].d {
		t.Errorf("an error stays %v, no longer than news (%v)", pending[1].d, pending[0].d)
	}
	drive(a, pending[0].msg) // the older notice's time is up: the newer stays
	if !strings.Contains(a.View(), "usage: /timer") {
		t.Fatalf("an older notice's timer cleared a newer one:\n%s", a.View())
	}
	drive(a, pending[1].msg)
	if strings.Contains(a.View(), "usage: /timer") {
		t.Fatalf("the notice stayed after its time:\n%s", a.View())
	}
}

func TestComposerHintsExpire(t *testing.T) {
	var pending []timed
	a := clockedApp(t, &pending)
	drive(a, keyMsgs("enter", "/file /tmp/photo.jpg", "enter")...)
	if !strings.Contains(a.View(), "File sent.") || len(pending) != 1 {
		t.Fatalf("%d timers, view:\n%s", len(pending), a.View())
	}
	drive(a, pending[0].msg)
	if strings.Contains(a.View(), "File sent.") {
		t.Fatalf("the hint stayed after its time:\n%s", a.View())
	}
}
