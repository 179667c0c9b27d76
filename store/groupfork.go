package store

import (
	"context"
	"errors"
	"fmt"
)

// ReplaceGroupState replaces a group's latest state by another of the
// same version: two admins changed the group at once, and the other
// change won (chat/ decides which). The latest state and the history's
// row of that version are replaced, so that a member who asks for the
// versions after an older one gets the winner. It fails with
// [ErrInvalidArgument] unless the latest state has that version (and for
// version 0 or a state over [MaxGroupStateSize]), and with [ErrNotGroup]
// for a conversation that is not a group.
func (s *Store) ReplaceGroupState(ctx context.Context, conv ContactID, version uint64, state []byte) error {
	if version == 0 || len(state) == 0 || len(state) > MaxGroupStateSize {
		return fmt.Errorf("%w: group state version %d of %d bytes", ErrInvalidArgument, version, len(state))
	}
	return s.write(ctx, func(tx querier) error {
		cur, _, err := s.groupState(ctx, tx, conv)
		if errors.Is(err, ErrNotFound) || (err == nil && cur != version) {
			return fmt.Errorf("%w: replacing group state version %d, the latest is %d", ErrInvalidArgument, version, cur)
		}
		if err != nil {
			return err
		}
		// The latest version is the history's newest row (versions are
		// stored in order); it goes, and putGroupState writes the new.
		_, err = tx.ExecContext(ctx, `DELETE FROM group_history WHERE id =
			(SELECT max(id) FROM group_history WHERE conversation = ?)`, conv)
		if err != nil {
			return fmt.Errorf("store: replacing group history: %w", err)
		}
		return s.putGroupState(ctx, tx, conv, version, state)
	})
}
