package ui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// benchApp returns the main screen at 120×40 with Alice's chat of n
// messages open and the composer focused.
func benchApp(b *testing.B, n int) (*App, *fakeCore) {
	b.Helper()
	f := newFakeCore()
	f.msgs[1] = bigChat(n)
	a := NewMainApp(testCommon(0, 0), f)
	drive(a, a.Init()(), tea.WindowSizeMsg{Width: 120, Height: 40})
	drive(a, keyMsgs("enter")...)
	if c, ok := a.chat.Contact(); !ok || c.Contact.ID != 1 || a.focus != focusComposer {
		b.Fatal("the chat did not open")
	}
	return a, f
}

// reportFrame fails the benchmark if a frame took longer than budget and
// reports the mean in milliseconds.
func reportFrame(b *testing.B, start time.Time, budget time.Duration) {
	per := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(per.Microseconds())/1000, "ms/frame")
	if per > budget {
		b.Errorf("%v per frame, over the %v budget", per, budget)
	}
}

// BenchmarkKeystrokeToFrame is one key typed in the composer, with a
// 10,000-message chat open, to the frame that shows it: Update and View.
func BenchmarkKeystrokeToFrame(b *testing.B) {
	a, _ := benchApp(b, 10_000)
	key := keyMsgs("x")[0]
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if i%200 == 199 {
			a.composer.SetValue("") // keep the draft a realistic length
		}
		a.Update(key)
		_ = a.View()
	}
	reportFrame(b, start, 16*time.Millisecond)
}

// BenchmarkKeystrokeToFrameAllLoaded is the same with all 10,000
// messages paged in (the user scrolled to the very top and back).
func BenchmarkKeystrokeToFrameAllLoaded(b *testing.B) {
	a, _ := benchApp(b, 10_000)
	for len(a.chat.msgs) < 10_000 {
		drive(a, keyMsgs("pgup")...)
	}
	drive(a.chat, keyMsgs("end")...)
	if a.chat.offset != 0 {
		b.Fatal("not back at the bottom")
	}
	key := keyMsgs("x")[0]
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if i%200 == 199 {
			a.composer.SetValue("")
		}
		a.Update(key)
		_ = a.View()
	}
	reportFrame(b, start, 16*time.Millisecond)
}

// BenchmarkScrollFrame is one PgUp in a 10,000-message chat to its frame,
// paging older messages in as needed.
func BenchmarkScrollFrame(b *testing.B) {
	a, _ := benchApp(b, 10_000)
	a.setFocus(focusChat)
	up, end := keyMsgs("pgup")[0], keyMsgs("end")[0]
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		k := up
		if i%50 == 49 {
			k = end
		}
		drive(a, k)
		_ = a.View()
	}
	reportFrame(b, start, 16*time.Millisecond)
}

// BenchmarkFirstFrame100k opens the main screen and a chat of 100,000
// messages and renders the first frame. Only the visible page is loaded.
func BenchmarkFirstFrame100k(b *testing.B) {
	f := newFakeCore()
	f.msgs[1] = bigChat(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	loaded := 0
	for i := 0; i < b.N; i++ {
		a := NewMainApp(testCommon(0, 0), f)
		drive(a, a.Init()(), tea.WindowSizeMsg{Width: 120, Height: 40})
		drive(a, keyMsgs("enter")...)
		_ = a.View()
		loaded = len(a.chat.msgs)
	}
	reportFrame(b, start, 300*time.Millisecond)
	b.ReportMetric(float64(loaded), "msgs-loaded")
	if loaded >= 1000 {
		b.Errorf("%d messages loaded for the first frame; want one page", loaded)
	}
}
