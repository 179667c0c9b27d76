package chat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"ratchat/archive"
	"ratchat/store"
)

// ArchivedMessage is an archive record's content (JSON): what happened
// (op: "inserted", "updated", "deleted") and, but for a row deleted here,
// the message as it then was, in the form of a JSON export's row, with
// its earlier versions and its reactions.
type ArchivedMessage struct {
	Op           string             `json:"op"`
	Kind         string             `json:"kind"`
	Conversation int64              `json:"conversation"`
	Seq          int64              `json:"seq"`
	Message      *ExportedMessage   `json:"message,omitempty"`
	Sender       int64              `json:"sender,omitempty"`
	Versions     []ArchivedVersion  `json:"versions,omitempty"`
	Reactions    []ArchivedReaction `json:"reactions,omitempty"`
}

// ArchivedVersion is an earlier text of an edited message.
type ArchivedVersion struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// ArchivedReaction is a reaction on a message: from "in" (the contact, or
// in a group the member) or "out" (us).
type ArchivedReaction struct {
	From   string `json:"from"`
	Member int64  `json:"member,omitempty"`
	Emoji  string `json:"emoji"`
}

// archiveOps names the queue's ops.
var archiveOps = map[store.ArchiveOp]string{
	store.ArchiveInserted: "inserted", store.ArchiveUpdated: "updated", store.ArchiveDeleted: "deleted"}

// archiveEntry makes the archive entry of a queued row.
func (m *Messenger) archiveEntry(q *store.QueuedMessage) (archive.Entry, error) {
	kind := archiveKind(q)
	c := ArchivedMessage{Op: archiveOps[q.Op], Kind: kind.String(), Conversation: int64(q.Message.Conversation), Seq: q.Message.Seq}
	if q.Op != store.ArchiveDeleted {
		r := &q.Message
		e := exportRow(r)
		c.Message, c.Sender = &e, int64(r.Sender)
		for _, v := range r.Versions {
			c.Versions = append(c.Versions, ArchivedVersion{Text: string(v.Body), At: v.At})
		}
		for _, x := range r.Reactions {
			c.Reactions = append(c.Reactions, ArchivedReaction{From: x.From.String(), Member: int64(x.Member), Emoji: x.Emoji})
		}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return archive.Entry{}, fmt.Errorf("chat: archive entry: %w", err)
	}
	return archive.Entry{Time: m.now(), Kind: kind, Conversation: int64(q.Message.Conversation),
		Message: q.Message.Seq, Source: q.ID, Content: b}, nil
}

// archiveKind names what a queued row records: for a change, by
// comparing the row with what it was.
func archiveKind(q *store.QueuedMessage) archive.Kind {
	r := &q.Message
	switch {
	case q.Op == store.ArchiveDeleted:
		return archive.KindRemoved
	case q.Op == store.ArchiveInserted && r.Kind == store.KindMembership:
		return archive.KindMembership
	case q.Op == store.ArchiveInserted && r.Kind.System():
		return archive.KindLocal
	case q.Op == store.ArchiveInserted && r.Direction == store.Outgoing:
		return archive.KindOut
	case q.Op == store.ArchiveInserted:
		return archive.KindIn
	}
	o := q.Old
	switch {
	case r.Kind == store.KindDeleted && (o == nil || o.Kind != store.KindDeleted):
		return archive.KindDelete
	case o != nil && (!bytes.Equal(o.Body, r.Body) || len(o.Versions) != len(r.Versions)):
		return archive.KindEdit
	case o != nil && !slices.Equal(o.Reactions, r.Reactions):
		return archive.KindReaction
	}
	return archive.KindChanged
}
