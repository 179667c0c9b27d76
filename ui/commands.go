package ui

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"ratchat/chat"
)

// Command is one /command the composer understands.
type Command struct {
	// Name is the command without its slash.
	Name string
	// Args describes the arguments, for the help.
	Args string
	// Help says what it does.
	Help string
	// Choices are the words its argument may be, which Tab completes;
	// nil when the argument is free text.
	Choices []string
}

// Commands lists the composer's /commands, in the order help shows them.
var Commands = []Command{
	{Name: "add", Args: "INVITE", Help: "add a contact from their invite"},
	{Name: "invite", Help: "show your invite, to give to a contact"},
	{Name: "verify", Help: "compare safety numbers with this contact"},
	{Name: "file", Args: "PATH", Help: "send a file"},
	{Name: "accept", Args: "[file]", Help: "accept this request, or a file that waits",
		Choices: []string{"file"}},
	{Name: "block", Help: "block this contact: delete the chat, drop its messages"},
	{Name: "unblock", Help: "unblock this contact: their next message is a request"},
	{Name: "rename", Args: "NAME", Help: "give this contact a name of your own"},
	{Name: "remove", Args: "[yes|keep]", Help: "remove this contact, with or without the chat",
		Choices: []string{"yes", "keep"}},
	{Name: "group", Args: "create NAME MEMBER…",
		Help:    "make a group; in one: add, remove, leave, rename, promote, members (g)",
		Choices: []string{"create", "add", "remove", "leave", "rename", "promote", "members"}},
	{Name: "search", Args: "TEXT", Help: "search every chat; enter opens the chat at the message"},
	{Name: "export", Args: "PATH", Help: "export this chat (.json: JSON, else text; not encrypted)"},
	{Name: "timer", Args: "DURATION|off", Help: "disappearing messages in this chat"},
	{Name: "mute", Args: "1h|8h|1w|always|off", Help: "mute this chat's notifications",
		Choices: []string{"1h", "8h", "1w", "always", "off"}},
	{Name: "backup", Args: "[export|restore|auto]", Help: "back up, restore, or set automatic backups",
		Choices: []string{"export", "restore", "auto"}},
	{Name: "help", Help: "show the keys and commands"},
	{Name: "quit", Help: "quit ratchat"},
}

// CommandMsg is a /command the user entered in the composer.
type CommandMsg struct {
	// Name is the command without its slash.
	Name string
	// Arg is the rest of the line, trimmed.
	Arg string
}

// SubmitMsg is a text the user entered in the composer, to be sent.
type SubmitMsg struct {
	// Text is the message as typed.
	Text string
	// Target, when set, is the message Text replies to or, with Edit, the
	// message whose text it replaces.
	Target chat.MessageID
	Edit   bool
}

// errUnknownCommand is returned by parseInput for a /word that is not one
// of the Commands.
var errUnknownCommand = errors.New("unknown command")

// parseInput reads what the composer submits: a /command, or a text to
// send. A leading "//" sends a text that starts with a slash. Blank input
// gives nil.
func parseInput(s string) (any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if strings.HasPrefix(s, "//") {
		return SubmitMsg{Text: s[1:]}, nil
	}
	if !strings.HasPrefix(s, "/") {
		return SubmitMsg{Text: s}, nil
	}
	name, arg, _ := strings.Cut(strings.TrimSpace(s[1:]), " ")
	for _, c := range Commands {
		if c.Name == name {
			return CommandMsg{Name: name, Arg: strings.TrimSpace(arg)}, nil
		}
	}
	return nil, fmt.Errorf("%w /%s: try /help", errUnknownCommand, name)
}

// complete completes a /command being typed, or the argument of one that
// has Choices. With one candidate it returns the whole command or choice
// and a space; with several, their longest common prefix and the
// candidates (whole lines); ok is false when there is nothing Tab could
// complete.
func complete(s string) (completed string, candidates []string, ok bool) {
	if !strings.HasPrefix(s, "/") || strings.Contains(s, "\n") {
		return s, nil, false
	}
	name, arg, hasArg := strings.Cut(s[1:], " ")
	if !hasArg {
		names := make([]string, len(Commands))
		for i, c := range Commands {
			names[i] = c.Name
		}
		completed, candidates = completeAmong("/", names, name)
		return completed, candidates, true
	}
	for _, c := range Commands {
		if c.Name == name && c.Choices != nil && !strings.Contains(arg, " ") {
			completed, candidates = completeAmong("/"+name+" ", c.Choices, arg)
			return completed, candidates, true
		}
	}
	return s, nil, false
}

// completeAmong completes typed, which follows prefix, among words.
func completeAmong(prefix string, words []string, typed string) (completed string, candidates []string) {
	for _, w := range words {
		if strings.HasPrefix(w, typed) {
			candidates = append(candidates, prefix+w)
		}
	}
	sort.Strings(candidates)
	switch len(candidates) {
	case 0:
		return prefix + typed, nil
	case 1:
		return candidates[0] + " ", nil
	}
	common := candidates[0]
	for _, c := range candidates[1:] {
		for !strings.HasPrefix(c, common) {
			common = common[:len(common)-1]
		}
	}
	return common, candidates
}

// history is the composer's list of sent lines, browsed with Up and Down.
// pos == len(entries) means not browsing; draft keeps what was typed
// before browsing started.
type history struct {
	entries []string
	pos     int
	draft   string
}

// maxHistory bounds the history kept in memory.
const maxHistory = 500

// push records a sent line and stops browsing.
func (h *history) push(s string) {
	if n := len(h.entries); n == 0 || h.entries[n-1] != s {
		h.entries = append(h.entries, s)
	}
	if len(h.entries) > maxHistory {
		h.entries = h.entries[len(h.entries)-maxHistory:]
	}
	h.pos, h.draft = len(h.entries), ""
}

// browsing reports whether an older entry is shown.
func (h *history) browsing() bool { return h.pos < len(h.entries) }

// prev steps back, saving current as the draft when browsing starts.
func (h *history) prev(current string) (string, bool) {
	if h.pos == 0 {
		return "", false
	}
	if !h.browsing() {
		h.draft = current
	}
	h.pos--
	return h.entries[h.pos], true
}

// next steps forward, back to the draft after the newest entry.
func (h *history) next() (string, bool) {
	if !h.browsing() {
		return "", false
	}
	h.pos++
	if h.pos == len(h.entries) {
		return h.draft, true
	}
	return h.entries[h.pos], true
}
