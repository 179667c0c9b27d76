package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"ratchat/chat"
)

// searchRows is the height of one result in the list.
const searchRows = 2

// searchMsg carries a search's results.
type searchMsg struct {
	query   string
	results chat.SearchResults
	err     error
}

// OpenAtMsg asks the main screen to open a chat scrolled to one row.
type OpenAtMsg struct {
	// Contact is the chat to open.
	Contact chat.Contact
	// Seq is the row to show.
	Seq int64
}

// SearchCmd runs a search.
func SearchCmd(core Manager, query string, contact chat.ContactID) tea.Cmd {
	return func() tea.Msg {
		r, err := core.Search(context.Background(), query, chat.SearchOptions{Contact: contact})
		return searchMsg{query, r, err}
	}
}

// SearchView is the results of /search: one row per message found, newest
// first (chat, time, the text around the match); Enter opens the chat at
// that message.
type SearchView struct {
	common  Common
	core    Manager
	query   string
	results chat.SearchResults
	loaded  bool
	err     error
	cursor  int
	offset  int
}

var _ Component = (*SearchView)(nil)

// NewSearchView returns the results screen of a search; Init runs it.
func NewSearchView(c Common, core Manager, query string) *SearchView {
	return &SearchView{common: c, core: core, query: query}
}

// SetSize sets the screen's size.
func (v *SearchView) SetSize(width, height int) {
	v.common.SetSize(width, height)
	v.offset = scrollIntoView(v.offset, v.cursor, v.visible())
}

// Init runs the search.
func (v *SearchView) Init() tea.Cmd { return SearchCmd(v.core, v.query, 0) }

// Update takes the results, moves the cursor, opens a result and leaves
// on Esc.
func (v *SearchView) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case searchMsg:
		if msg.query == v.query {
			v.results, v.err, v.loaded, v.cursor, v.offset = msg.results, msg.err, true, 0, 0
		}
	case tea.KeyMsg:
		return v, v.handleKey(msg)
	}
	return v, nil
}

// handleKey moves through the results or opens one.
func (v *SearchView) handleKey(msg tea.KeyMsg) tea.Cmd {
	km, n := v.common.KeyMap, len(v.results.Results)
	switch {
	case key.Matches(msg, km.Back):
		return backCmd
	case key.Matches(msg, km.Up):
		v.cursor = moveCursor(v.cursor, n, -1)
	case key.Matches(msg, km.Down):
		v.cursor = moveCursor(v.cursor, n, +1)
	case key.Matches(msg, km.Open) && v.cursor < n:
		r := v.results.Results[v.cursor]
		return func() tea.Msg { return OpenAtMsg{Contact: r.Contact, Seq: r.Message.Seq} }
	}
	v.offset = scrollIntoView(v.offset, v.cursor, v.visible())
	return nil
}

// visible is the number of results that fit under the title.
func (v *SearchView) visible() int { return max(1, (v.common.Height-3)/searchRows) }

// View renders the title and the visible results.
func (v *SearchView) View() string {
	st := v.common.Styles
	title := st.Title.Render("Search: " + truncate(SanitizeLine(v.query), v.common.Width-8))
	switch {
	case v.err != nil:
		return title + "\n\n" + st.Error.Render("Cannot search: "+ErrorText(v.err))
	case !v.loaded:
		return title + "\n\n" + st.Subtle.Render("Searching…")
	}
	res := v.results
	head := fmt.Sprintf("%d found", len(res.Results))
	if !res.Complete {
		head += fmt.Sprintf(" (still indexing: %d messages so far)", res.Indexed)
	}
	out := []string{title, st.Subtle.Render(head), ""}
	if len(res.Results) == 0 {
		return strings.Join(append(out, st.Subtle.Render("Nothing found.")), "\n")
	}
	end := min(len(res.Results), v.offset+v.visible())
	for i := v.offset; i < end; i++ {
		out = append(out, v.renderResult(res.Results[i], i == v.cursor))
	}
	return strings.Join(out, "\n")
}

// renderResult renders one result on two lines: the chat, who wrote and
// when; then the snippet.
func (v *SearchView) renderResult(r chat.SearchResult, selected bool) string {
	st, w := v.common.Styles, v.common.Width
	who := chat.DisplayName(r.Contact)
	if isGroup(r.Contact) {
		who = "# " + who
	}
	if r.Message.Direction == chat.Outgoing {
		who = "me → " + who
	}
	when := " " + shortTime(v.common, r.Message.Sent)
	line1 := truncate(SanitizeLine(who), w-len(when)-1)
	line1 += strings.Repeat(" ", max(0, w-lipgloss.Width(line1)-len(when))) + when
	if selected {
		line1 = st.SelectedContact.Render(line1)
	}
	return line1 + "\n  " + st.Subtle.Render(truncate(SanitizeLine(r.Snippet), w-2))
}

// ShortHelp lists the screen's keys.
func (v *SearchView) ShortHelp() []key.Binding {
	km := v.common.KeyMap
	return []key.Binding{km.Up, km.Down, km.Open, km.Back}
}

// FullHelp lists the screen's keys.
func (v *SearchView) FullHelp() [][]key.Binding { return [][]key.Binding{v.ShortHelp()} }
