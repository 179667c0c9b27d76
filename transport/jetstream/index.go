package jetstream

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// The mailboxes' index. Each partition's mailboxes are spread over
// shardsPerPartition shards by a hash of their owner; a shard is one key
// of the index bucket, i.<partition>.<shard>, whose value lists its
// mailboxes (owner, created, last seen, and the stream sequences of its
// token and prekey records), sorted by owner. The token and prekey
// records themselves are messages of the RATCHAT_RECORDS stream, on
// r.<partition>.<shard>. Why not a key per mailbox: NATS keeps an entry
// of its subject index in memory for every key, so its memory grew with
// the mailboxes (790-850 bytes each on one node, with two keys each:
// docs/BENCHMARKS.md); a fixed number of shards and subjects keeps it
// flat, and the records' bytes stay on disk.
//
// A change to a mailbox is a compare-and-set of its shard's value on its
// revision, tried again when another change of the same shard came
// first. A record is changed by publishing the new one, then setting its
// sequence in the shard, then deleting the old one.

const (
	// shardsPerPartition is the number of index shards of a partition:
	// 512 keys with the default 16 partitions (2,048 with 64), about 0.15
	// MB of NATS's memory. Why not fewer: each change of a mailbox
	// rewrites its shard (of a million mailboxes, a shard then holds about
	// 2,000, 125 KB; 500 with 64 partitions), and two changes of one
	// shard at once make one of them try again. Why not more: the keys
	// are NATS's memory, used or not; and the count is part of the
	// layout of streams already made.
	shardsPerPartition = 32
	// shardV is the version of a shard's value.
	shardV = 1
	// mboxLineSize is one mailbox's line in a shard.
	mboxLineSize = 32 + 4*8
	// maxShardLines bounds the mailboxes of one shard (a value of 1 MB):
	// 8 million mailboxes with the default partitions.
	maxShardLines = (1 << 20) / mboxLineSize
	// seenEvery is how stale a mailbox's last-seen time may grow before
	// a visit writes it again. Why not every visit: each write rewrites
	// the shard, and expiry counts in days (the retention).
	seenEvery = time.Hour
	// countPrefix starts a partition's mailbox count in the index
	// bucket: n.<partition>.
	countPrefix = "n."
)

// Kinds of a record in RATCHAT_RECORDS, its first byte.
const (
	recTokens  = 't'
	recPreKeys = 'k'
)

// mboxLine is a mailbox's line in its shard.
type mboxLine struct {
	Owner         keys.PublicKey
	Created, Seen int64  // ms since 1970
	Tokens        uint64 // stream sequence of its token record, 0 if none
	PreKeys       uint64 // stream sequence of its prekey record, 0 if none
}

// shardOf returns the shard of owner's mailbox within its partition.
// Why other bytes of the hash than [partition]'s: the shards of one
// partition must all be used.
func shardOf(owner keys.PublicKey) int {
	h := sha256.Sum256(owner[:])
	return int(binary.BigEndian.Uint64(h[8:16]) % shardsPerPartition)
}

// shardKey names shard sh of partition p in the index bucket.
func shardKey(p, sh int) string { return "i." + strconv.Itoa(p) + "." + strconv.Itoa(sh) }

// recordSubject is the subject of the records of shard sh of partition p.
func recordSubject(p, sh int) string { return "r." + strconv.Itoa(p) + "." + strconv.Itoa(sh) }

// countKey names partition p's mailbox count in the index bucket.
func countKey(p int) string { return countPrefix + strconv.Itoa(p) }

// marshalShard encodes a shard's lines, sorted by owner.
func marshalShard(lines []mboxLine) []byte {
	b := make([]byte, 0, 5+len(lines)*mboxLineSize)
	b = append(b, shardV)
	b = binary.BigEndian.AppendUint32(b, uint32(len(lines)))
	for _, l := range lines {
		b = append(b, l.Owner[:]...)
		b = binary.BigEndian.AppendUint64(b, uint64(l.Created))
		b = binary.BigEndian.AppendUint64(b, uint64(l.Seen))
		b = binary.BigEndian.AppendUint64(b, l.Tokens)
		b = binary.BigEndian.AppendUint64(b, l.PreKeys)
	}
	return b
}

// parseShard decodes a shard's value; its owners must be in increasing
// order, each once.
func parseShard(v []byte) ([]mboxLine, error) {
	if len(v) < 5 || v[0] != shardV {
		return nil, fmt.Errorf("%w: index shard", ErrRecord)
	}
	n := binary.BigEndian.Uint32(v[1:5])
	v = v[5:]
	if n > maxShardLines || int(n)*mboxLineSize != len(v) {
		return nil, fmt.Errorf("%w: index shard", ErrRecord)
	}
	lines := make([]mboxLine, n)
	for i := range lines {
		l, b := &lines[i], v[i*mboxLineSize:(i+1)*mboxLineSize]
		copy(l.Owner[:], b)
		b = b[len(l.Owner):]
		l.Created = int64(binary.BigEndian.Uint64(b[0:]))
		l.Seen = int64(binary.BigEndian.Uint64(b[8:]))
		l.Tokens = binary.BigEndian.Uint64(b[16:])
		l.PreKeys = binary.BigEndian.Uint64(b[24:])
		if i > 0 && bytes.Compare(lines[i-1].Owner[:], l.Owner[:]) >= 0 {
			return nil, fmt.Errorf("%w: index shard out of order", ErrRecord)
		}
	}
	return lines, nil
}

// findLine returns where owner's line is in lines, or would go.
func findLine(lines []mboxLine, owner keys.PublicKey) (int, bool) {
	return slices.BinarySearchFunc(lines, owner, func(l mboxLine, o keys.PublicKey) int {
		return bytes.Compare(l.Owner[:], o[:])
	})
}

// readShard reads shard sh of partition p and its revision (0 and no
// lines if it was never written), from any replica, or from the
// stream's leader (what every write so far left) if leader.
func (s *Store) readShard(ctx context.Context, p, sh int, leader bool) ([]mboxLine, uint64, error) {
	v, rev, err := s.indexGet(ctx, shardKey(p, sh), leader)
	if err != nil || rev == 0 {
		return nil, 0, err
	}
	lines, err := parseShard(v)
	return lines, rev, err
}

// indexGet reads key of the index bucket and its revision (0 if it was
// never written). Why two ways: a direct get, which any replica answers
// with the value's bytes as they are, costs NATS a fraction of a get
// through the stream's leader, which answers in JSON with the value in
// base64 (that was 29 % of NATS's CPU while mailboxes were created, with
// every read so); but a follower that has not yet applied a write
// answers with what was there before. Hence reads go direct, and a read
// that finds a mailbox absent, or comes after a compare-and-set failed,
// goes to the leader.
func (s *Store) indexGet(ctx context.Context, key string, leader bool) (v []byte, rev uint64, err error) {
	err = whileStarting(ctx, func() error {
		v, rev, err = s.indexGetOnce(ctx, key, leader)
		return err
	})
	return v, rev, err
}

// whileStarting calls read until it returns something other than "no
// responders", waiting between tries (10 ms, doubling up to half a
// second) until ctx ends. A stream answers nobody between its creation
// and its first leader, and its replicas answer direct gets only once
// they run: on a cluster just started, a front end's first reads met
// that (BenchmarkRelayLoadNATS's first registration: "reading the
// mailbox index: nats: no responders", seen once with its log in 32
// runs, and likely twice more).
func whileStarting(ctx context.Context, read func() error) error {
	wait := 10 * time.Millisecond
	for {
		err := read()
		if !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, jetstream.ErrNoStreamResponse) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// indexGetOnce is one try of indexGet.
func (s *Store) indexGetOnce(ctx context.Context, key string, leader bool) ([]byte, uint64, error) {
	if !leader {
		e, err := s.index.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return nil, 0, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("jetstream: reading the mailbox index: %w", err)
		}
		return e.Value(), e.Revision(), nil
	}
	m, found, err := s.leaderGet(ctx, kvStreamPrefix+bucketIndex, struct {
		LastFor string `json:"last_by_subj"`
	}{"$KV." + bucketIndex + "." + key})
	switch {
	case err != nil:
		return nil, 0, fmt.Errorf("jetstream: reading the mailbox index: %w", err)
	case !found || bytes.Contains(m.Hdrs, []byte("KV-Operation")):
		return nil, 0, nil // (a delete or purge marker: index keys have none, but read so)
	}
	return m.Data, m.Seq, nil
}

// storedMsg is a stream message as a get through the leader answers.
type storedMsg struct {
	Seq  uint64 `json:"seq"`
	Hdrs []byte `json:"hdrs"`
	Data []byte `json:"data"`
}

// leaderGet asks stream's leader for the message req names (by sequence
// or last by subject); false if there is none. Why not nats.go's GetMsg:
// it reads from any replica whenever the stream allows direct gets.
func (s *Store) leaderGet(ctx context.Context, stream string, req any) (*storedMsg, bool, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, false, err
	}
	m, err := s.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+stream, body)
	if err != nil {
		return nil, false, err
	}
	var resp struct {
		Message *storedMsg `json:"message"`
		Error   *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return nil, false, fmt.Errorf("%w: a stream's answer: %v", ErrRecord, err)
	}
	switch {
	case resp.Error != nil && resp.Error.Code == 404:
		return nil, false, nil
	case resp.Error != nil:
		return nil, false, fmt.Errorf("jetstream: %s (%d)", resp.Error.Description, resp.Error.Code)
	case resp.Message == nil:
		return nil, false, fmt.Errorf("%w: a stream's answer without a message", ErrRecord)
	}
	return resp.Message, true, nil
}

// readLine reads owner's line; false if it has no mailbox (as the
// leader says).
func (s *Store) readLine(ctx context.Context, owner keys.PublicKey) (mboxLine, bool, error) {
	return s.readLineFrom(ctx, owner, false)
}

// readLineFrom is readLine, from the leader from the start if leader;
// otherwise from any replica first, and from the leader only if that one
// lacks the line (a replica may be behind, never ahead).
func (s *Store) readLineFrom(ctx context.Context, owner keys.PublicKey, leader bool) (mboxLine, bool, error) {
	p, sh := partition(owner, s.cfg.Partitions), shardOf(owner)
	for _, fromLeader := range []bool{leader, true} {
		lines, _, err := s.readShard(ctx, p, sh, fromLeader)
		if err != nil {
			return mboxLine{}, false, err
		}
		if i, ok := findLine(lines, owner); ok {
			return lines[i], true, nil
		}
		if fromLeader {
			break
		}
	}
	return mboxLine{}, false, nil
}

// lineChange is what a change function does to a line.
type lineChange int

const (
	lineKeep   lineChange = iota // nothing to write
	lineWrite                    // write the line (adding it if it was not there)
	lineRemove                   // take the line out
)

// errLineMoved is a change function's answer when what it was about
// changed meanwhile: changeLine returns it without writing.
var errLineMoved = errors.New("jetstream: the mailbox's record changed meanwhile")

// shardRead is a shard as it was read: its lines and revision.
type shardRead struct {
	lines []mboxLine
	rev   uint64
}

// changeLine applies fn to owner's line (the zero line with its owner
// set, and found false, if it has none) and writes the shard by
// compare-and-set, calling fn again if another change came first. fn's
// error is returned without writing. The first try uses from, owner's
// shard as the caller read it from any replica, if not nil.
//
// A read from a replica may be behind the leader. Where fn writes, the
// compare-and-set, which the leader decides, catches that. Where fn
// writes nothing because the line is absent (most often
// [mailbox.ErrUnknownMailbox]), the leader is asked before fn's answer
// stands: a mailbox registered on another front end a moment ago may not
// have reached the replica (on 3 nodes, BenchmarkRelayLoadNATS's setup,
// a registration then at once a token, had a token refused so).
func (s *Store) changeLine(ctx context.Context, owner keys.PublicKey, from *shardRead, fn func(l *mboxLine, found bool) (lineChange, error)) error {
	p, sh := partition(owner, s.cfg.Partitions), shardOf(owner)
	key := shardKey(p, sh)
	leader := false
	for try := range maxRetries {
		var lines []mboxLine
		var rev uint64
		fromLeader := leader
		if from != nil {
			lines, rev, from, fromLeader = from.lines, from.rev, nil, false
		} else {
			var err error
			if lines, rev, err = s.readShard(ctx, p, sh, leader); err != nil {
				return err
			}
		}
		i, found := findLine(lines, owner)
		l := mboxLine{Owner: owner}
		if found {
			l = lines[i]
		}
		ch, err := fn(&l, found)
		if !found && !fromLeader && (err != nil || ch != lineWrite) {
			leader = true // absent on a replica: the leader says
			continue
		}
		if err != nil || ch == lineKeep {
			return err
		}
		switch {
		case ch == lineRemove && found:
			lines = slices.Delete(lines, i, i+1)
		case ch == lineRemove:
			return nil
		case found:
			lines[i] = l
		case len(lines) >= maxShardLines:
			return fmt.Errorf("%w: the mailbox index's shard is full", mailbox.ErrFull)
		default:
			lines = slices.Insert(lines, i, l)
		}
		v := marshalShard(lines)
		if rev == 0 {
			_, err = s.index.Create(ctx, key, v)
		} else {
			_, err = s.index.Update(ctx, key, v, rev)
		}
		if casConflict(err) {
			// Another change of the shard came first, which a replica may
			// not have: the leader is asked. On a cluster it may still be
			// in flight, and the leader answers reads with what was before
			// it until it is applied: wait a little.
			if err := casWait(ctx, try); err != nil {
				return err
			}
			leader = true
			continue
		}
		if err != nil {
			return fmt.Errorf("jetstream: writing the mailbox index: %w", err)
		}
		return nil
	}
	return fmt.Errorf("jetstream: writing the mailbox index: %w", jetstream.ErrKeyExists)
}

// casConflict reports whether err is a compare-and-set's failure: a
// create of a key that exists, or an update of one at another revision.
// Why both sentinels: nats.go's Update says ErrKeyExists for a stream of
// one replica and only ErrKeyRevisionMismatch for a replicated one (its
// error code differs), which a 3-node cluster test showed.
func casConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch)
}

// casWait waits after the try-th compare-and-set that failed: a random
// time up to 1 ms, doubling with each try up to 64 ms.
func casWait(ctx context.Context, try int) error {
	t := time.NewTimer(time.Duration(rand.Int64N(int64(time.Millisecond) << min(try, 6))))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jetstream: writing the mailbox index: %w", ctx.Err())
	}
}

// putRecord stores a record of owner's and returns its sequence.
func (s *Store) putRecord(ctx context.Context, kind byte, owner keys.PublicKey, v []byte) (uint64, error) {
	body := make([]byte, 0, 1+len(owner)+len(v))
	body = append(append(append(body, kind), owner[:]...), v...)
	ack, err := s.js.Publish(ctx, recordSubject(partition(owner, s.cfg.Partitions), shardOf(owner)), body)
	if err != nil {
		return 0, fmt.Errorf("jetstream: storing a record: %w", err)
	}
	return ack.Sequence, nil
}

// readRecord reads the record of owner's at seq, checking that it is
// one of that kind and owner; errLineMoved if it is gone (replaced
// since the line naming it was read). Why a direct get first: a record
// never changes once stored, so any replica that has it answers right,
// and one that does not yet is asked again through the leader.
func (s *Store) readRecord(ctx context.Context, kind byte, owner keys.PublicKey, seq uint64) ([]byte, error) {
	var d []byte
	var m *jetstream.RawStreamMsg
	err := whileStarting(ctx, func() (err error) {
		m, err = s.records.GetMsg(ctx, seq)
		return err
	})
	switch {
	case err == nil:
		d = m.Data
	case errors.Is(err, jetstream.ErrMsgNotFound):
		lm, found, err := s.leaderGet(ctx, recordsName, struct {
			Seq uint64 `json:"seq"`
		}{seq})
		if err != nil {
			return nil, fmt.Errorf("jetstream: reading a record: %w", err)
		}
		if !found {
			return nil, errLineMoved
		}
		d = lm.Data
	default:
		return nil, fmt.Errorf("jetstream: reading a record: %w", err)
	}
	if len(d) < 1+len(owner) || d[0] != kind || !bytes.Equal(d[1:1+len(owner)], owner[:]) {
		return nil, fmt.Errorf("%w: the index names another record", ErrRecord)
	}
	return d[1+len(owner):], nil
}

// lineRecord reads owner's line and its record of kind (nil if it has
// none); [mailbox.ErrUnknownMailbox] without a mailbox. A record replaced
// between the two reads is read again. A record that the line still
// names but the stream does not hold (after a restore of backups taken
// apart, or a record deleted by hand) reads as none: the owner's client
// registers its tokens at each connection, and uploads prekeys when the
// home has none, which writes a new one.
func (s *Store) lineRecord(ctx context.Context, kind byte, owner keys.PublicKey) (mboxLine, []byte, error) {
	var missing uint64
	for try := range maxRetries {
		l, found, err := s.readLineFrom(ctx, owner, try > 0)
		if err != nil {
			return l, nil, err
		}
		if !found {
			return l, nil, mailbox.ErrUnknownMailbox
		}
		seq := l.Tokens
		if kind == recPreKeys {
			seq = l.PreKeys
		}
		if seq == 0 {
			return l, nil, nil
		}
		if seq == missing {
			s.log.Warn("a record the mailbox index names is missing; read as none", "kind", string(kind), "seq", seq)
			return l, nil, nil
		}
		v, err := s.readRecord(ctx, kind, owner, seq)
		if errors.Is(err, errLineMoved) {
			missing = seq
			continue
		}
		return l, v, err
	}
	return mboxLine{}, nil, fmt.Errorf("jetstream: reading a record: %w", errLineMoved)
}

// dropRecord deletes a record no line names any more. A failure leaves
// it stored, unnamed: it is logged, not returned, since the change that
// replaced it is done.
func (s *Store) dropRecord(ctx context.Context, seq uint64) {
	if seq == 0 {
		return
	}
	if err := s.records.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		s.log.Warn("deleting a replaced record", "seq", seq, "err", err)
	}
}

// anyRecord, as setRecord's old, replaces whatever record the line
// names (a stream's sequences never reach it).
const anyRecord = ^uint64(0)

// setRecord stores v as owner's record of kind, if the line still names
// the record at old (0: none; anyRecord: whichever it names), and deletes
// the one replaced; [mailbox.ErrUnknownMailbox] without a mailbox,
// errLineMoved if the line names another record now.
func (s *Store) setRecord(ctx context.Context, kind byte, owner keys.PublicKey, old uint64, v []byte) error {
	seq, err := s.putRecord(ctx, kind, owner, v)
	if err != nil {
		return err
	}
	var replaced uint64
	err = s.changeLine(ctx, owner, nil, func(l *mboxLine, found bool) (lineChange, error) {
		if !found {
			return lineKeep, mailbox.ErrUnknownMailbox
		}
		at := &l.Tokens
		if kind == recPreKeys {
			at = &l.PreKeys
		}
		if old != anyRecord && *at != old {
			return lineKeep, errLineMoved
		}
		replaced, *at = *at, seq
		return lineWrite, nil
	})
	if err != nil {
		s.dropRecord(ctx, seq)
		return err
	}
	s.dropRecord(ctx, replaced)
	return nil
}
