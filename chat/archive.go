package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"ratchat/archive"
	"ratchat/store"
)

// DefaultRetention is how long the archive keeps records by default:
// seven years (FINRA's period), counted as 7 × 365.25 days.
const DefaultRetention = 7 * year

// year is 365.25 days, the unit of a retention in years.
const year = 36525 * 24 * time.Hour / 100

// archiveBatch is how many queued rows a drain appends at a time.
const archiveBatch = 500

// ArchiveDir is the archive's folder inside a profile folder.
func ArchiveDir(profileDir string) string { return filepath.Join(profileDir, "archive") }

// ParseRetention reads a retention: "7y", "5y", "90d" or a Go duration
// ("2160h"); at least a day.
func ParseRetention(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	switch {
	case strings.HasSuffix(s, "y") || strings.HasSuffix(s, "d"):
		unit := year
		if strings.HasSuffix(s, "d") {
			unit = 24 * time.Hour
		}
		var n int
		n, err = strconv.Atoi(s[:len(s)-1])
		// Bounded before multiplying: "585y" times a year overflows
		// int64 and wrapped to 167 days.
		if err == nil && (n <= 0 || n > int(100*year/unit)) {
			err = errors.New("out of range")
		}
		d = time.Duration(n) * unit
	default:
		d, err = time.ParseDuration(s)
	}
	if err != nil || d < 24*time.Hour || d > 100*year {
		return 0, fmt.Errorf("%w: %q", ErrRetention, s)
	}
	return d, nil
}

// archiveFolder orders the archive's operations on one profile folder
// (one drain, verify, prune or export at a time) and remembers where its
// chain ended, so that the next operation does not read the last segment
// again. No file stays open between operations.
type archiveFolder struct {
	mu    sync.Mutex
	tail  archive.Tail
	keyed bool // the key file is known to be there (chat/archive_key.go)
}

// archiveFolders are the folders this process has opened.
var archiveFolders sync.Map // folder → *archiveFolder

// folder returns the profile's archive folder and its lock.
func (m *Messenger) folder() (string, *archiveFolder) {
	dir := ArchiveDir(m.st.Dir())
	v, _ := archiveFolders.LoadOrStore(dir, &archiveFolder{})
	return dir, v.(*archiveFolder)
}

// withArchive opens the profile's archive under its lock and runs fn. A
// profile restored from a backup takes its archive back first
// (adoptArchive); one whose archive predates the key file writes it.
func (m *Messenger) withArchive(ctx context.Context, fn func(a *archive.Archive, st store.ArchiveState) error) error {
	dir, f := m.folder()
	f.mu.Lock()
	defer f.mu.Unlock()
	st, err := m.st.ArchiveState(ctx)
	if err != nil {
		return err
	}
	if len(st.Key) != archive.KeySize {
		adopted, err := m.adoptArchive(ctx, dir)
		if err != nil {
			return err
		}
		if !adopted {
			return ErrArchiveOff
		}
		if st, err = m.st.ArchiveState(ctx); err != nil {
			return err
		}
		f.tail, f.keyed = archive.Tail{}, true
	}
	if !f.keyed {
		if err := m.keepArchiveKey(dir, st); err != nil {
			return err
		}
		f.keyed = true
	}
	a, err := archive.OpenAt(dir, [archive.KeySize]byte(st.Key), archive.Options{Rand: m.rand, Now: m.now}, f.tail)
	if err != nil {
		return err
	}
	err = fn(a, st)
	f.tail = a.Tail()
	return errors.Join(err, a.Close())
}

// keepArchiveKey writes the key file unless one is there already.
func (m *Messenger) keepArchiveKey(dir string, st store.ArchiveState) error {
	if _, err := os.Stat(filepath.Join(dir, archiveKeyName)); err == nil {
		return nil
	}
	return m.writeArchiveKey(dir, archiveKeyFile{key: [archive.KeySize]byte(st.Key), policy: st.Policy})
}

// EnableArchive turns the archive on: from this transaction on, every
// message row inserted, changed or deleted is queued for it. The first
// time, it draws the archive's key and writes the key file; a profile
// restored from a backup takes back the archive in its folder instead
// (its key, records and policy). retention 0 keeps the current one (or
// [DefaultRetention]). The action is audited under actor.
func (m *Messenger) EnableArchive(ctx context.Context, retention time.Duration, actor string) error {
	dir, f := m.folder()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := m.adoptArchive(ctx, dir); err != nil {
		return err
	}
	st, err := m.st.ArchiveState(ctx)
	if err != nil {
		return err
	}
	if st.Key == nil {
		if segs, _ := filepath.Glob(filepath.Join(dir, "*.seg")); len(segs) > 0 {
			return fmt.Errorf("%w: %s", ErrArchiveForeign, dir)
		}
	}
	p := st.Policy
	switch {
	case retention > 0:
		p.Retention = retention
	case p.Retention == 0:
		p.Retention = DefaultRetention
	}
	key := make([]byte, archive.KeySize)
	if _, err := io.ReadFull(m.rand, key); err != nil {
		return fmt.Errorf("chat: drawing the archive key: %w", err)
	}
	inUse, err := m.st.EnableArchive(ctx, key, p)
	if err != nil {
		return err
	}
	if err := m.writeArchiveKey(dir, archiveKeyFile{key: [archive.KeySize]byte(inUse), policy: p}); err != nil {
		return err
	}
	f.keyed = true
	return m.Audit(ctx, AuditEntry{Actor: actor, Action: "archive.enable", Detail: "retention " + FormatRetention(p.Retention)})
}

// FormatRetention writes a retention as ParseRetention reads it.
func FormatRetention(d time.Duration) string {
	switch {
	case d%year == 0:
		return strconv.FormatInt(int64(d/year), 10) + "y"
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// DrainArchive appends every queued message row to the archive and
// deletes it from the queue, recording the new head in the same
// transaction, and returns how many it appended. Records appended before
// a crash that stopped their queue rows' deletion are recognised (their
// sources are still queued) and not appended twice.
func (m *Messenger) DrainArchive(ctx context.Context) (int, error) {
	n := 0
	err := m.withArchive(ctx, func(a *archive.Archive, st store.ArchiveState) error {
		var err error
		n, err = m.drain(ctx, a, st)
		return err
	})
	return n, err
}

// drain is DrainArchive with the archive open.
func (m *Messenger) drain(ctx context.Context, a *archive.Archive, st store.ArchiveState) (int, error) {
	if err := m.reconcile(ctx, a, st); err != nil {
		return 0, err
	}
	n := 0
	for {
		q, err := m.st.ArchiveQueue(ctx, 0, archiveBatch)
		if err != nil || len(q) == 0 {
			return n, err
		}
		entries := make([]archive.Entry, len(q))
		for i := range q {
			if entries[i], err = m.archiveEntry(&q[i]); err != nil {
				return n, err
			}
		}
		h, err := a.Append(entries)
		if err != nil {
			return n, err
		}
		if err := m.st.ArchiveDrained(ctx, q[len(q)-1].ID, store.ChainPoint(h)); err != nil {
			return n, err
		}
		n += len(q)
	}
}

// reconcile brings the store's head up to the archive's after a crash
// between an append and its commit, when the records past the head are
// those of rows still queued; otherwise it refuses with ErrArchiveAhead.
func (m *Messenger) reconcile(ctx context.Context, a *archive.Archive, st store.ArchiveState) error {
	h := a.Head()
	if h.Seq <= st.Head.Seq {
		return nil
	}
	var first, last int64
	err := a.After(st.Head.Seq, func(e archive.Entry) error {
		if first == 0 {
			first = e.Source
		}
		last = e.Source
		return nil
	})
	if err != nil {
		return err
	}
	q, err := m.st.ArchiveQueue(ctx, 0, 1)
	if err != nil {
		return err
	}
	if len(q) == 0 || q[0].ID != first {
		return fmt.Errorf("%w: records %d to %d", ErrArchiveAhead, st.Head.Seq+1, h.Seq)
	}
	return m.st.ArchiveDrained(ctx, last, store.ChainPoint(h))
}

// VerifyArchive drains the queue, then checks the whole chain from the
// anchor to the head the profile recorded: nil, or an error wrapping a
// [*archive.VerifyError] that names the first bad record and why.
func (m *Messenger) VerifyArchive(ctx context.Context) error {
	return m.withArchive(ctx, func(a *archive.Archive, st store.ArchiveState) error {
		if _, err := m.drain(ctx, a, st); err != nil && !errors.Is(err, ErrArchiveAhead) {
			return err
		}
		st, err := m.st.ArchiveState(ctx)
		if err != nil {
			return err
		}
		return a.Verify(archive.Head(st.Head), archive.Head(st.Anchor))
	})
}

// PruneArchive removes the archive's whole segments older than its
// retention, unless a legal hold is on, and returns how many it removed;
// the anchor moves first. A prune that removes anything is audited.
func (m *Messenger) PruneArchive(ctx context.Context) (int, error) {
	n := 0
	err := m.withArchive(ctx, func(a *archive.Archive, st store.ArchiveState) error {
		if st.Policy.Hold || st.Policy.Retention <= 0 {
			return nil
		}
		var err error
		n, err = a.Prune(m.now().Add(-st.Policy.Retention), func(h archive.Head) error {
			return m.st.SetArchiveAnchor(ctx, store.ChainPoint(h))
		})
		return err
	})
	if err != nil || n == 0 {
		return n, err
	}
	return n, m.Audit(ctx, AuditEntry{Actor: "retention", Action: "archive.prune", Detail: fmt.Sprintf("%d segments", n)})
}

// SetArchiveHold turns the legal hold on (with its reason) or off. The
// action is audited under actor.
func (m *Messenger) SetArchiveHold(ctx context.Context, on bool, reason, actor string) error {
	dir, f := m.folder()
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := m.adoptArchive(ctx, dir); err != nil {
		return err
	}
	st, err := m.st.ArchiveState(ctx)
	if err != nil {
		return err
	}
	if st.Key == nil {
		return ErrArchiveOff
	}
	p := st.Policy
	p.Hold, p.HoldReason, p.HoldSince = on, reason, m.now()
	action := "archive.hold.off"
	if !on {
		p.HoldReason, p.HoldSince = "", time.Time{}
	} else {
		action = "archive.hold.on"
	}
	if err := m.st.SetArchivePolicy(ctx, p); err != nil {
		return err
	}
	// The key file keeps the policy too, so that a restored profile keeps
	// the hold.
	if err := m.writeArchiveKey(dir, archiveKeyFile{key: [archive.KeySize]byte(st.Key), policy: p}); err != nil {
		return err
	}
	f.keyed = true
	return m.Audit(ctx, AuditEntry{Actor: actor, Action: action, Detail: reason})
}

// ArchiveStatus is the archive's state, as `ratchat archive status` shows.
type ArchiveStatus struct {
	Enabled    bool          `json:"enabled"`
	Dir        string        `json:"dir"`
	Records    uint64        `json:"records"` // the head's seq: records ever appended
	First      uint64        `json:"first"`   // the first record kept
	Segments   int           `json:"segments"`
	Bytes      int64         `json:"bytes"`
	Queued     int           `json:"queued"`
	Retention  time.Duration `json:"retention"`
	Hold       bool          `json:"hold"`
	HoldReason string        `json:"hold_reason,omitempty"`
	HoldSince  time.Time     `json:"hold_since,omitzero"`
}

// ArchiveStatus reports the archive's state ([ErrArchiveOff] if never
// enabled).
func (m *Messenger) ArchiveStatus(ctx context.Context) (ArchiveStatus, error) {
	var out ArchiveStatus
	err := m.withArchive(ctx, func(a *archive.Archive, st store.ArchiveState) error {
		stats, err := a.Stats()
		if err != nil {
			return err
		}
		q, err := m.st.ArchiveQueued(ctx)
		if err != nil {
			return err
		}
		p := st.Policy
		out = ArchiveStatus{Enabled: st.Enabled, Dir: ArchiveDir(m.st.Dir()), Records: st.Head.Seq, First: stats.First,
			Segments: stats.Segments, Bytes: stats.Bytes, Queued: q, Retention: p.Retention,
			Hold: p.Hold, HoldReason: p.HoldReason, HoldSince: p.HoldSince}
		return nil
	})
	return out, err
}

// ExportArchiveWARC drains the queue and writes the archive's records
// from since on to w as WARC 1.1 (see [archive.Archive.ExportWARC]),
// returning how many. The output is plaintext. The export is audited
// under actor.
func (m *Messenger) ExportArchiveWARC(ctx context.Context, w io.Writer, since time.Time, actor string) (int, error) {
	n := 0
	err := m.withArchive(ctx, func(a *archive.Archive, st store.ArchiveState) error {
		if _, err := m.drain(ctx, a, st); err != nil {
			return err
		}
		var err error
		n, err = a.ExportWARC(w, since, map[string]string{"description": "ratchat compliance archive"})
		return err
	})
	if err != nil {
		return n, err
	}
	detail := fmt.Sprintf("%d records", n)
	if !since.IsZero() {
		detail += " since " + since.UTC().Format(time.RFC3339)
	}
	return n, m.Audit(ctx, AuditEntry{Actor: actor, Action: "archive.export", Detail: detail})
}
