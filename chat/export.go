package chat

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"ratchat/store"
)

// Export formats.
const (
	// ExportText is a chat as lines a person reads: date, time, sender,
	// text; "[file] name" for a file; "* ..." for the messenger's lines.
	ExportText = "text"
	// ExportJSON is a chat as one JSON document: the contact and every
	// row with its id, times, direction, kind and status.
	ExportJSON = "json"
)

// exportPage is how many rows Export reads at a time.
const exportPage = 500

// ExportWarning is what a front end tells the user when it writes an
// export: unlike the profile, the file is plain text.
const ExportWarning = "warning: the exported file is NOT encrypted: anyone who can read it can read the chat"

// ExportedChat is the JSON export of a chat.
type ExportedChat struct {
	Contact  ExportedContact   `json:"contact"`
	Exported time.Time         `json:"exported"`
	Messages []ExportedMessage `json:"messages"`
}

// ExportedContact is the contact of a JSON export.
type ExportedContact struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Identity string `json:"identity"` // hex of the identity key
	Verified bool   `json:"verified"`
}

// ExportedMessage is one row of a JSON export. Direction is "in", "out"
// or "local"; Kind "text", "file", "deleted", "unsupported" or the
// messenger line's kind; Status
// (outgoing rows) "queued", "sent", "delivered", "read" or "failed".
type ExportedMessage struct {
	Seq       int64         `json:"seq"`
	ID        string        `json:"id"`
	Sent      time.Time     `json:"sent"`
	Received  time.Time     `json:"received"`
	Direction string        `json:"direction"`
	Kind      string        `json:"kind"`
	Status    string        `json:"status,omitempty"`
	Text      string        `json:"text,omitempty"`
	File      *ExportedFile `json:"file,omitempty"`
	Timer     string        `json:"timer,omitempty"`
	// Quote is the id of the message a reply quotes; Edited the time of
	// the last edit (the text is the newest).
	Quote  string    `json:"quote,omitempty"`
	Edited time.Time `json:"edited,omitzero"`
	// Sender is, in a group, the display name of the member who wrote
	// an incoming row.
	Sender string `json:"sender,omitempty"`
}

// ExportedFile is the file of a file row.
type ExportedFile struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Path string `json:"path,omitempty"`
}

// Export writes a contact's whole chat to w, oldest first, in format
// ([ExportText] or [ExportJSON]; [ErrExportFormat] otherwise), and
// returns how many rows it wrote. The output is plaintext: the caller
// says so to the user ([ExportWarning]) and keeps the file private.
func (m *Messenger) Export(ctx context.Context, id store.ContactID, format string, w io.Writer) (int, error) {
	if format != ExportText && format != ExportJSON {
		return 0, fmt.Errorf("%w: %q", ErrExportFormat, format)
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return 0, err
	}
	name := DisplayName(c)
	out := ExportedChat{Exported: m.now().UTC(), Messages: []ExportedMessage{},
		Contact: ExportedContact{ID: int64(c.ID), Name: name, Identity: hex.EncodeToString(c.Identity[:]), Verified: c.Verified}}
	bw := bufio.NewWriter(w)
	if format == ExportText {
		what := "Chat with"
		if c.IsGroup() {
			what = "Group"
		}
		fmt.Fprintf(bw, "%s %s, exported %s\n\n", what, plainText(name), out.Exported.Local().Format("2006-01-02 15:04"))
	}
	senders := exportSenders{m: m, names: map[store.ContactID]string{}}
	n := 0
	for after := int64(0); ; {
		page, err := m.st.After(ctx, id, after, exportPage)
		if err != nil {
			return n, err
		}
		for i := range page {
			who, err := senders.name(ctx, &page[i], name)
			if err != nil {
				return n, err
			}
			if format == ExportText {
				fmt.Fprintln(bw, exportLine(&page[i], who))
			} else {
				e := exportRow(&page[i])
				if page[i].Sender != 0 {
					e.Sender = who
				}
				out.Messages = append(out.Messages, e)
			}
		}
		n += len(page)
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	if format == ExportJSON {
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// exportSenders names the members who wrote a group's rows, reading
// each member's row once.
type exportSenders struct {
	m     *Messenger
	names map[store.ContactID]string
}

// name is who wrote r: its member in a group, else the chat's name.
func (e exportSenders) name(ctx context.Context, r *store.Message, chatName string) (string, error) {
	if r.Sender == 0 {
		return chatName, nil
	}
	if n, ok := e.names[r.Sender]; ok {
		return n, nil
	}
	c, err := e.m.st.Contact(ctx, r.Sender)
	if errors.Is(err, store.ErrNotFound) {
		c, err = store.Contact{ID: r.Sender}, nil // a member since removed
	}
	if err != nil {
		return "", err
	}
	e.names[r.Sender] = DisplayName(c)
	return e.names[r.Sender], nil
}

// exportLine is one row as a line of the text export.
func exportLine(r *store.Message, name string) string {
	at := r.Sent.Local().Format("2006-01-02 15:04:05")
	who := name
	if r.Direction == store.Outgoing {
		who = "me"
	}
	switch {
	case r.Kind == store.KindText && !r.Edited.IsZero():
		return fmt.Sprintf("%s  %s: %s (edited)", at, plainText(who), plainText(string(r.Body)))
	case r.Kind == store.KindText:
		return fmt.Sprintf("%s  %s: %s", at, plainText(who), plainText(string(r.Body)))
	case r.Kind == store.KindDeleted:
		return fmt.Sprintf("%s  %s: [deleted]", at, plainText(who))
	case r.Kind == store.KindFile && r.File != nil:
		return fmt.Sprintf("%s  %s: [file] %s", at, plainText(who), plainText(r.File.Name))
	case r.Kind == store.KindTimer && r.Timer == 0:
		return at + "  * disappearing messages off"
	case r.Kind == store.KindTimer:
		return at + "  * disappearing messages: " + r.Timer.String()
	case r.Kind == store.KindMembership:
		return at + "  * " + plainText(string(r.Body))
	}
	return at + "  * " + r.Kind.String()
}

// exportRow is one row of the JSON export.
func exportRow(r *store.Message) ExportedMessage {
	e := ExportedMessage{Seq: r.Seq, ID: hex.EncodeToString(r.ID[:]), Sent: r.Sent, Received: r.Received,
		Direction: r.Direction.String(), Kind: r.Kind.String(), Text: string(r.Body)}
	if r.Direction == store.Outgoing {
		e.Status = r.Status.String()
	}
	if r.Kind == store.KindTimer {
		e.Timer = r.Timer.String()
	}
	if r.Quote != (store.MessageID{}) {
		e.Quote = hex.EncodeToString(r.Quote[:])
	}
	e.Edited = r.Edited
	if r.File != nil {
		e.File = &ExportedFile{Name: r.File.Name, Size: r.File.Size, Path: r.File.Path}
	}
	return e
}

// plainText is peer text made safe to print on a terminal: control
// characters other than newline and tab, and bidi overrides, become
// U+FFFD. (The text export may well be read with cat.)
func plainText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return '\uFFFD'
		}
		return r
	}, s)
}
