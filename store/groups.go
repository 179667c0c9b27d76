package store

import (
	"context"
	"errors"
)

// GroupIDSize is the length of a group id.
const GroupIDSize = 32

// GroupID is a group's id: 32 random bytes its creator drew, the same in
// every member's profile.
type GroupID [GroupIDSize]byte

// MaxGroupHistory bounds the versions of a group's state kept: the
// latest state and the 999 before it, which [Store.GroupStatesAfter]
// hands to a member catching up.
const MaxGroupHistory = 1000

// errTODO marks what is not written yet.
var errTODO = errors.New("store: groups: not implemented yet")

// AddGroup stores a new group conversation: a row of the contacts table
// whose identity column holds the group id. It fails with [ErrExists] if
// the group is known already.
func (s *Store) AddGroup(ctx context.Context, id GroupID, name string, state ContactState) (ContactID, error) {
	return 0, errTODO
}

// GroupByID returns the group conversation with id, or [ErrNotFound].
func (s *Store) GroupByID(ctx context.Context, id GroupID) (Contact, error) {
	return Contact{}, errTODO
}

// Groups returns every group conversation, in the order they were added.
func (s *Store) Groups(ctx context.Context) ([]Contact, error) {
	return nil, errTODO
}

// SaveGroupState stores a new version of a group's state.
func (s *Store) SaveGroupState(ctx context.Context, conv ContactID, version uint64, state []byte) error {
	return errTODO
}

// GroupState returns the latest version of a group's state, or
// [ErrNotFound].
func (s *Store) GroupState(ctx context.Context, conv ContactID) (uint64, []byte, error) {
	return 0, nil, errTODO
}

// GroupStatesAfter returns the kept states of a group newer than after,
// oldest first.
func (s *Store) GroupStatesAfter(ctx context.Context, conv ContactID, after uint64) ([][]byte, error) {
	return nil, errTODO
}

// SaveSenderKey stores the sender key record of a member of a group
// (member 0: ours).
func (s *Store) SaveSenderKey(ctx context.Context, conv, member ContactID, record []byte) error {
	return errTODO
}

// SenderKey returns the sender key record of a member of a group (member
// 0: ours), or [ErrNotFound].
func (s *Store) SenderKey(ctx context.Context, conv, member ContactID) ([]byte, error) {
	return nil, errTODO
}

// DeleteSenderKeys deletes every sender key record of a group, ours too.
func (s *Store) DeleteSenderKeys(ctx context.Context, conv ContactID) error {
	return errTODO
}

// GroupSent is everything that encrypting one message to a group
// changes, committed together by [Store.CommitGroupSent].
type GroupSent struct {
	// Message is the row, in the group's conversation.
	Message Message
	// SenderKey is our sender key record after encrypting.
	SenderKey []byte
	// Deliveries are the sealed envelopes, one per member home.
	Deliveries []GroupDelivery
}

// GroupDelivery is one member's envelope of a group message.
type GroupDelivery struct {
	Member  ContactID
	Payload []byte
}

// MemberStatus is where a group message is for one member.
type MemberStatus struct {
	Member ContactID
	Status Status
	Times  StatusTimes
}

// CommitGroupSent stores, in one transaction, a message to a group, our
// sender key after encrypting it, an outbox item per delivery (Contact
// the member, Message the row) and each member's status (queued).
func (s *Store) CommitGroupSent(ctx context.Context, g GroupSent) (seq int64, err error) {
	return 0, errTODO
}

// CommitGroupReceived stores, in one transaction, a message a member
// wrote to a group and the member's sender key after decrypting it.
func (s *Store) CommitGroupReceived(ctx context.Context, m Message, member ContactID, senderKey []byte) (seq int64, dup bool, err error) {
	return 0, false, errTODO
}

// SetMemberStatus moves one member's status of a group message forward
// and the row's summary status with it.
func (s *Store) SetMemberStatus(ctx context.Context, conv ContactID, id MessageID, member ContactID, st Status) (summary Status, changed bool, err error) {
	return 0, false, errTODO
}

// MemberStatuses returns each member's status of a group message.
func (s *Store) MemberStatuses(ctx context.Context, conv ContactID, id MessageID) ([]MemberStatus, error) {
	return nil, errTODO
}
