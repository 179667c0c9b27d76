package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// TestHelpScrolls checks that the help overlay fits any screen: taller
// text scrolls with the page keys down to its last line and back, and
// every line stays inside the screen's width.
func TestHelpScrolls(t *testing.T) {
	for _, sz := range [][2]int{{80, 12}, {40, 10}, {30, 6}} {
		h := NewHelpView(NewCommon())
		h.SetSize(sz[0], sz[1])
		h.SetKeys(NewContactList(NewCommon()))
		first := h.View()
		if got := lipgloss.Height(first); got > sz[1] {
			t.Fatalf("%dx%d: %d lines", sz[0], sz[1], got)
		}
		if got := lipgloss.Width(first); got > sz[0] {
			t.Fatalf("%dx%d: %d cells wide", sz[0], sz[1], got)
		}
		if strings.Contains(first, "esc closes this help") || !strings.Contains(first, "Keys") {
			t.Fatalf("%dx%d: the first page shows the wrong part:\n%s", sz[0], sz[1], first)
		}
		for range 40 {
			h.Update(tea.KeyMsg{Type: tea.KeyPgDown})
		}
		if last := h.View(); !strings.Contains(last, "esc closes this help") || lipgloss.Height(last) > sz[1] {
			t.Fatalf("%dx%d: paging down does not reach the end:\n%s", sz[0], sz[1], last)
		}
		for range 40 {
			h.Update(tea.KeyMsg{Type: tea.KeyPgUp})
		}
		if again := h.View(); again != first {
			t.Fatalf("%dx%d: paging back up does not return to the top:\n%s", sz[0], sz[1], again)
		}
	}
}
