package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// The layout record (key "layout" of the keys bucket) says how the
// relay's NATS holds its mailboxes, so that front ends of another layout
// refuse to start rather than misread it: the partition count, then
// layoutSegments (envelopes in segments), then layoutIndex (mailboxes in
// the index). A record of segments without the index is moved to the
// index by the first front end to start (migrate.go); the record says
// layoutMigrating meanwhile, with who moves it and when it last said so.
const (
	layoutSegments  = " segments"
	layoutIndex     = " index"
	layoutMigrating = " migrating "
)

// errOldRecords is checkLayout's answer for a layout of segments without
// the index: the records must move first.
var errOldRecords = errors.New("jetstream: the mailboxes' records are in the layout of before the index")

// layout checks the layout record, moving the mailboxes' records to the
// index first if they are in the layout of before it.
func (s *Store) layout(ctx context.Context) error {
	if s.cfg.Partitions == 0 {
		if err := retry(ctx, s.adoptPartitions); err != nil {
			return err
		}
	}
	s.partCounts = make([]partCount, s.cfg.Partitions)
	err := retry(ctx, s.checkLayout)
	if errors.Is(err, errOldRecords) {
		err = s.migrate(ctx)
	}
	if err != nil {
		return err
	}
	return s.dropOldRecords(ctx)
}

// adoptPartitions sets the partition count, none being configured, to
// the stream's (from its layout record), or to [DefaultPartitions] for a
// new stream. Why: a front end started without a count joins the relay
// whatever count its stream was made with (such as an older default).
func (s *Store) adoptPartitions(ctx context.Context) error {
	e, err := s.kv.Get(ctx, keyLayout)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		s.cfg.Partitions = DefaultPartitions
		return nil
	}
	if err != nil {
		return fmt.Errorf("jetstream: reading layout: %w", err)
	}
	n, err := layoutPartitions(string(e.Value()))
	if err != nil {
		return err
	}
	s.cfg.Partitions = n
	return nil
}

// layoutPartitions is the partition count a layout record names, or
// ErrConfig.
func layoutPartitions(record string) (int, error) {
	count, _, _ := strings.Cut(record, " ")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%w: layout record %q names no partition count", ErrConfig, record)
	}
	return n, nil
}

// checkLayout records the layout on first use and refuses another
// afterwards: moving mailboxes between partitions is not done.
func (s *Store) checkLayout(ctx context.Context) error {
	want := s.wantLayout()
	_, err := s.kv.Create(ctx, keyLayout, []byte(want))
	if err == nil || !errors.Is(err, jetstream.ErrKeyExists) {
		if err != nil {
			return fmt.Errorf("jetstream: recording layout: %w", err)
		}
		return nil
	}
	e, err := s.kv.Get(ctx, keyLayout)
	if err != nil {
		return fmt.Errorf("jetstream: reading layout: %w", err)
	}
	return s.compareLayout(string(e.Value()))
}

// wantLayout is this version's layout record.
func (s *Store) wantLayout() string {
	return strconv.Itoa(s.cfg.Partitions) + layoutSegments + layoutIndex
}

// compareLayout says whether have, a layout record, is this version's:
// nil, errOldRecords (also while another front end moves them), or
// ErrConfig.
func (s *Store) compareLayout(have string) error {
	parts, rest, _ := strings.Cut(have, " ")
	switch {
	case have == s.wantLayout():
		return nil
	case !strings.HasPrefix(" "+rest, layoutSegments):
		return fmt.Errorf("%w: the relay's NATS holds the layout of a message per envelope, from before segments: see docs/DEPLOY.md, Upgrade", ErrConfig)
	case parts != strconv.Itoa(s.cfg.Partitions):
		return fmt.Errorf("%w: the stream has %s partitions, not %d (give none to take the stream's)", ErrConfig, parts, s.cfg.Partitions)
	case " "+rest == layoutSegments || strings.HasPrefix(" "+rest, layoutSegments+layoutMigrating):
		return errOldRecords
	default:
		return fmt.Errorf("%w: the relay's NATS holds a layout of a newer version (%q)", ErrConfig, have)
	}
}

// migrating is the layout record while this front end moves the
// records.
func (s *Store) migrating() string {
	return strconv.Itoa(s.cfg.Partitions) + layoutSegments + layoutMigrating + s.cfg.Name
}
