package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"ratchat/store"
	"ratchat/ui"
)

// seqShift is how far the store's sequence numbers are shifted to make the
// interface's: the low bits number the system lines after a message.
const seqShift = 8

// Bounds on what the adapter keeps per contact; the oldest go first.
const (
	maxSystemLines = 500
	maxFileMarks   = 5000
)

// uiSeq is the interface's Seq of the message with store sequence s.
func uiSeq(s int64) int64 { return s << seqShift }

// storeCursor is the store cursor that gives the messages whose
// interface Seq is below before (all of them when before <= 0).
func storeCursor(before int64) store.Cursor {
	if before <= 0 {
		return 0
	}
	return store.Cursor((before-1)>>seqShift + 1)
}

// sysLine is a system line, as the adapter stores it.
type sysLine struct {
	Seq   int64         `json:"seq"`
	Kind  ui.SystemKind `json:"kind"`
	At    time.Time     `json:"at"`
	Timer time.Duration `json:"timer,omitempty"`
}

// item is the line as the interface shows it.
func (l sysLine) item() ui.MessageItem {
	return ui.MessageItem{Seq: l.Seq, System: l.Kind, Timer: l.Timer, Sent: l.At, Received: l.At}
}

// meta is what the adapter stores about a chat besides its messages.
// Values are never changed once cached: an update makes a new one.
type meta struct {
	System []sysLine        `json:"system,omitempty"`
	Files  map[string]int64 `json:"files,omitempty"` // message id (hex) → size
	Order  []string         `json:"order,omitempty"` // file ids, oldest first
}

// fileSize reports whether message id is a file, and its size.
func (md *meta) fileSize(id store.MessageID) (int64, bool) {
	n, ok := md.Files[hex.EncodeToString(id[:])]
	return n, ok
}

// metaSetting names the setting that holds a contact's meta.
func metaSetting(id store.ContactID) string { return fmt.Sprintf("app.meta.%d", id) }

// meta returns a contact's meta, loading it once. The caller holds c.mu.
func (c *Core) meta(ctx context.Context, id store.ContactID) (*meta, error) {
	c.state.mu.Lock()
	md, ok := c.state.metas[id]
	c.state.mu.Unlock()
	if ok {
		return md, nil
	}
	md = &meta{}
	v, err := c.st.Setting(ctx, metaSetting(id))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal([]byte(v), md); err != nil {
			return nil, fmt.Errorf("app: chat details of contact %d: %w", id, err)
		}
	}
	c.state.mu.Lock()
	c.state.metas[id] = md
	c.state.mu.Unlock()
	return md, nil
}

// updateMeta changes a contact's meta with fn on a copy, stores it and
// caches it. The caller holds c.mu.
func (c *Core) updateMeta(ctx context.Context, id store.ContactID, fn func(*meta)) error {
	c.metaMu.Lock()
	defer c.metaMu.Unlock()
	old, err := c.meta(ctx, id)
	if err != nil {
		return err
	}
	md := &meta{System: append([]sysLine(nil), old.System...), Files: maps.Clone(old.Files),
		Order: append([]string(nil), old.Order...)}
	fn(md)
	b, err := json.Marshal(md)
	if err != nil {
		return err
	}
	if err := c.st.SetSetting(ctx, metaSetting(id), string(b)); err != nil {
		return err
	}
	c.state.mu.Lock()
	c.state.metas[id] = md
	c.state.mu.Unlock()
	return nil
}

// addSystem writes a system line after the chat's newest message and
// returns it. The caller holds c.mu.
func (c *Core) addSystem(ctx context.Context, id store.ContactID, kind ui.SystemKind, timer time.Duration) (ui.MessageItem, error) {
	last, _, err := c.m.Messages(ctx, id, 0, 1)
	if err != nil {
		return ui.MessageItem{}, err
	}
	var base int64
	if len(last) > 0 {
		base = last[0].Seq
	}
	line := sysLine{Kind: kind, At: time.Now(), Timer: timer}
	err = c.updateMeta(ctx, id, func(md *meta) {
		n := int64(1)
		for _, l := range md.System {
			if l.Seq>>seqShift == base {
				n++
			}
		}
		line.Seq = uiSeq(base) + min(n, 1<<seqShift-1)
		md.System = append(md.System, line)
		if len(md.System) > maxSystemLines {
			md.System = md.System[len(md.System)-maxSystemLines:]
		}
	})
	return line.item(), err
}

// markFile records that message mid of a chat is a file of size bytes.
// It reports whether the mark is new. The caller holds c.mu.
func (c *Core) markFile(ctx context.Context, id store.ContactID, mid store.MessageID, size int64) (bool, error) {
	md, err := c.meta(ctx, id)
	if err != nil {
		return false, err
	}
	if _, ok := md.fileSize(mid); ok {
		return false, nil
	}
	key := hex.EncodeToString(mid[:])
	err = c.updateMeta(ctx, id, func(md *meta) {
		if md.Files == nil {
			md.Files = map[string]int64{}
		}
		md.Files[key] = size
		md.Order = append(md.Order, key)
		for len(md.Order) > maxFileMarks {
			delete(md.Files, md.Order[0])
			md.Order = md.Order[1:]
		}
	})
	return err == nil, err
}
