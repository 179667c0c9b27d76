package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationSteps are the Go parts of migrations, run after the SQL of the
// same number inside its transaction: data moves that need the data key.
var migrationSteps = map[int]func(ctx context.Context, s *Store, tx querier) error{
	2: moveLegacyMeta,
}

// legacyMetaPrefix names the settings in which the interface adapter of
// schema 1 kept each chat's system lines and file marks as JSON.
const legacyMetaPrefix = "app.meta."

// legacyMeta is that JSON.
type legacyMeta struct {
	System []struct {
		Kind  int           `json:"kind"`
		At    time.Time     `json:"at"`
		Timer time.Duration `json:"timer"`
	} `json:"system"`
	Files map[string]int64 `json:"files"`
}

// legacyKinds maps the adapter's numbers for system lines to kinds.
var legacyKinds = map[int]Kind{1: KindKeyChanged, 2: KindSessionReset, 3: KindVerified,
	4: KindUnverified, 5: KindTimer}

// moveLegacyMeta turns every "app.meta.N" setting into history: its file
// marks make the messages they name file rows, and its system lines become
// rows of their own, appended in time order (a row's place is its sequence
// number, sealed into it: older rows cannot be renumbered). The setting is
// deleted.
func moveLegacyMeta(ctx context.Context, s *Store, tx querier) error {
	all, err := s.settings(ctx, tx)
	if err != nil {
		return err
	}
	names := make([]string, 0)
	for name := range all {
		if strings.HasPrefix(name, legacyMetaPrefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		conv, err := strconv.ParseInt(strings.TrimPrefix(name, legacyMetaPrefix), 10, 64)
		if err != nil {
			continue // not one of the adapter's
		}
		var md legacyMeta
		if err := json.Unmarshal([]byte(all[name]), &md); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, name, err)
		}
		if err := s.moveLegacyChat(ctx, tx, ContactID(conv), &md); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE name_index = ?`, s.settingIndex(name)); err != nil {
			return fmt.Errorf("store: deleting setting: %w", err)
		}
	}
	return nil
}

// moveLegacyChat applies one chat's legacy meta.
func (s *Store) moveLegacyChat(ctx context.Context, tx querier, conv ContactID, md *legacyMeta) error {
	if _, err := s.contact(ctx, tx, conv); err != nil {
		return nil // the contact is gone, and its chat with it
	}
	for key, size := range md.Files {
		var id MessageID
		if b, err := hex.DecodeString(key); err != nil || len(b) != len(id) {
			continue
		} else {
			copy(id[:], b)
		}
		m, err := s.scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+`
			WHERE m.conversation = ? AND m.msgid_index = ?`, conv, s.messageIndex(conv, id)))
		if err != nil {
			continue // expired or deleted since
		}
		m.Kind, m.File = KindFile, &FileInfo{Name: string(m.Body), Size: size, Done: size, State: FileComplete}
		m.Body = nil
		if err := s.rewriteRecord(ctx, tx, &m); err != nil {
			return err
		}
	}
	sort.SliceStable(md.System, func(i, j int) bool { return md.System[i].At.Before(md.System[j].At) })
	for _, l := range md.System {
		kind, ok := legacyKinds[l.Kind]
		if !ok {
			continue
		}
		m := Message{Conversation: conv, Direction: Local, Status: StatusSent, Kind: kind,
			Sent: l.At, Received: l.At, StatusAt: l.At}
		if kind == KindTimer {
			m.Timer = l.Timer
		}
		if _, err := io.ReadFull(s.rand, m.ID[:]); err != nil {
			return err
		}
		row, err := nextID(ctx, tx, tableMessages)
		if err != nil {
			return err
		}
		if _, _, err := s.insertMessage(ctx, tx, m, row); err != nil {
			return err
		}
	}
	return nil
}
