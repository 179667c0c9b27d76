package chat

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"ratchat/store"
)

// Bounds of a message reference (see [Messenger.FindMessage]).
const (
	// ShortIDLen is how many hex digits of a message id the front ends
	// show, and the fewest [Messenger.FindMessage] takes.
	ShortIDLen = 8
	// findPage is how many rows FindMessage reads at a time.
	findPage = 1000
)

// ShortID is the short form of a message id that the front ends show and
// that [Messenger.FindMessage] accepts: its first [ShortIDLen] hex digits.
func ShortID(id store.MessageID) string {
	return hex.EncodeToString(id[:])[:ShortIDLen]
}

// FindMessage finds a message of a chat by its id in hex: the whole id (32
// digits) or a prefix of at least [ShortIDLen] digits, as [ShortID] prints
// it. A prefix is looked for from the newest row back. It fails with
// [ErrNoMessage] when no id matches and [ErrAmbiguousMessage] when several
// do.
func (m *Messenger) FindMessage(ctx context.Context, id store.ContactID, ref string) (store.Message, error) {
	ref = strings.ToLower(strings.TrimSpace(ref))
	if len(ref) < ShortIDLen || len(ref) > 2*store.MessageIDSize {
		return store.Message{}, fmt.Errorf("%w: a message id is %d to %d hex digits", ErrNoMessage, ShortIDLen, 2*store.MessageIDSize)
	}
	if strings.Trim(ref, "0123456789abcdef") != "" {
		return store.Message{}, fmt.Errorf("%w: %q is not hex", ErrNoMessage, ref)
	}
	if len(ref) == 2*store.MessageIDSize {
		var full store.MessageID
		hex.Decode(full[:], []byte(ref))
		return m.Message(ctx, id, full)
	}
	var found []store.Message
	// Why a scan: ids are blind-indexed in the store (a prefix cannot be
	// looked up), and a chat's rows decrypt at about a million a second.
	for cur := store.Cursor(0); ; {
		rows, prev, err := m.st.Messages(ctx, id, cur, findPage)
		if err != nil {
			return store.Message{}, err
		}
		for _, r := range rows {
			if strings.HasPrefix(hex.EncodeToString(r.ID[:]), ref) {
				found = append(found, r)
			}
		}
		if len(found) > 1 {
			return store.Message{}, ErrAmbiguousMessage
		}
		if prev == 0 {
			break
		}
		cur = prev
	}
	if len(found) == 0 {
		return store.Message{}, ErrNoMessage
	}
	return found[0], nil
}
