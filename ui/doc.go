// Package ui is ratchat's terminal interface: Bubble Tea screens that render
// view models and talk to the messenger core through the small [Core]
// interface.
//
// # Shape
//
// Every screen is a [Component]: a tea.Model that also reports its key
// bindings (help.KeyMap) and accepts a size. Components share a [Common]
// held by value (size, [Styles], [KeyMap], clock). Keys are matched only
// through key.Matches against the one [KeyMap], which also feeds the help
// overlay. Update methods are type switches that delegate to handleXxx
// methods; the state transitions that matter (scrolling, focus, history,
// completion, the next unread chat) are pure functions, table-tested with key
// sequences.
//
// # I/O
//
// The interface never touches the network or the database. Every call into
// [Core] (and [Opener]) runs inside a tea.Cmd, and what the core reports on
// its own (new messages, receipts, contact and connection changes) arrives as
// tea.Msg values read from [Core.Events] by [ListenCmd].
//
// # Hostile text
//
// Everything a peer wrote (messages, names, file names, previews) passes
// through [Sanitize] or [SanitizeLine] just before it is rendered, so that
// no escape sequence, C1 control or bidi override reaches the terminal:
// lipgloss passes escape sequences through untouched, and stripping ANSI
// sequences alone would leave bare controls (BEL, CR, 8-bit CSI) and
// bidi overrides in place.
package ui
