package jetstream

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"ratchat/keys"
)

// Names of the stream, buckets, consumers and subjects. Why constants: a
// relay's front ends of any version must agree on them.
const (
	// streamName is the work-queue stream holding every envelope, in
	// segments (segment.go).
	streamName = "RATCHAT_SEGMENTS"
	// subjectPrefix starts a partition's subjects: seg.<partition>.s for
	// its segments, seg.<partition>.a for its ack records. (Not mbox.:
	// the stream of a message per envelope, before segments, had those.)
	subjectPrefix = "seg."
	segmentSuffix = ".s"
	ackSuffix     = ".a"
	// bucketIndex holds the mailboxes' index in shards
	// (i.<partition>.<shard>) and each partition's mailbox count
	// (n.<partition>): index.go, counts.go.
	bucketIndex = "ratchat_index"
	// recordsName is the stream of the token and prekey records the index
	// names, on r.<partition>.<shard>.
	recordsName = "RATCHAT_RECORDS"
	// bucketKeys holds the home identity and the layout. (Before the
	// index it held tokens, t.<partition>.<owner>, and prekeys,
	// k.<partition>.<owner>; and bucketOwners a record per mailbox,
	// o.<partition>.<owner>: migrate.go.)
	bucketKeys   = "ratchat_keys"
	bucketOwners = "ratchat_owners"
	// bucketLeases holds the partition leases (p.<partition>) and the
	// front ends' presence (fe.<name>), all expiring after the lease TTL.
	bucketLeases = "ratchat_leases"
	// rpcPrefix starts the subject on which a partition's holder takes
	// requests from the other front ends: rc.<partition>.
	rpcPrefix = "rc."
	// livePrefix starts the subject on which a holder announces each new
	// envelope to the front ends where its owner is subscribed:
	// live.<owner>.
	livePrefix = "live."
	// consumerPrefix names a partition's consumer: p<partition>.
	consumerPrefix = "p"

	keyHome   = "home"
	keyLayout = "layout"
)

// Headers of a stored envelope.
const (
	hdrReceived = "Rc-Received" // ms since 1970, as the depositing front end's clock said
	hdrQuota    = "Rc-Quota"    // "r" (request quota) or the token hash in hex (contact quota)
)

// partition returns the partition of owner's mailbox. Why a hash of the
// key rather than its first bytes: identity keys are chosen by their
// owners, and a hash at least makes filling one partition on purpose
// cost a search.
func partition(owner keys.PublicKey, n int) int {
	h := sha256.Sum256(owner[:])
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(n))
}

// ownerHex is the owner's key as it appears in subjects and keys.
func ownerHex(owner keys.PublicKey) string { return hex.EncodeToString(owner[:]) }

// segmentSubject is the subject of partition p's segments.
func segmentSubject(p int) string { return subjectPrefix + strconv.Itoa(p) + segmentSuffix }

// ackSubject is the subject of partition p's ack records.
func ackSubject(p int) string { return subjectPrefix + strconv.Itoa(p) + ackSuffix }

// partitionKey names a partition's lease and its request subject suffix.
func partitionKey(p int) string { return "p." + strconv.Itoa(p) }

// recordKey names an owner's record of a kind ("o", "t" or "k") in the
// buckets of before the index.
func recordKey(kind string, p int, owner keys.PublicKey) string {
	return kind + "." + strconv.Itoa(p) + "." + ownerHex(owner)
}

// depositID names one deposit: its Nats-Msg-Id, a hash of where it goes
// and what it is, so that a deposit sent again within the stream's
// duplicate window (by a client whose connection or front end died
// before the answer, or by a front end asking a new holder) is stored
// once, and answered with the first one's id. Why the content: the wire
// carries no deposit id, and sealed envelopes are randomized, so two
// equal ones are one deposit sent twice.
type depositID [16]byte

func newDepositID(owner keys.PublicKey, body []byte) depositID {
	h := sha256.New()
	h.Write(owner[:])
	h.Write(body)
	var id depositID
	copy(id[:], h.Sum(nil))
	return id
}

func (id depositID) String() string { return hex.EncodeToString(id[:]) }
