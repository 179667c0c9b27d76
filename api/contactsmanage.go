package api

import (
	"context"
	"errors"

	"ratchat/chat"
)

// RenameParams name a contact (id or name) and its new local name.
type RenameParams struct {
	Contact string `json:"contact"`
	Name    string `json:"name"`
}

// RenameResult is the contact under its new name.
type RenameResult struct {
	Contact Contact `json:"contact"`
}

// RemoveParams name a contact (id or name; a request or a blocked sender
// by id) and whether to keep its history.
type RemoveParams struct {
	Contact     string `json:"contact"`
	KeepHistory bool   `json:"keep_history,omitempty"`
}

// RemoveResult is the contact removed.
type RemoveResult struct {
	ID          int64 `json:"id"`
	KeptHistory bool  `json:"kept_history"`
}

// rename gives a contact a local name.
func rename(ctx context.Context, m *chat.Messenger, p RenameParams) (RenameResult, error) {
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return RenameResult{}, err
	}
	if _, err := m.Rename(ctx, s.Contact.ID, p.Name); errors.Is(err, chat.ErrBadName) {
		return RenameResult{}, errorf(CodeInvalidParams, "api: invalid params: %v", err)
	} else if err != nil {
		return RenameResult{}, err
	}
	if s, err = m.Summary(ctx, s.Contact.ID); err != nil {
		return RenameResult{}, err
	}
	return RenameResult{Contact: newContact(s)}, nil
}

// remove removes a contact.
func remove(ctx context.Context, m *chat.Messenger, p RemoveParams) (RemoveResult, error) {
	s, err := findContact(ctx, m, p.Contact)
	if err != nil {
		return RemoveResult{}, err
	}
	out := RemoveResult{ID: int64(s.Contact.ID), KeptHistory: p.KeepHistory}
	return out, m.Remove(ctx, s.Contact.ID, p.KeepHistory)
}

// unblock lifts a block: the sender's next message arrives as a request.
func unblock(ctx context.Context, m *chat.Messenger, p RequestParams) (RequestResult, error) {
	s, err := requestByID(ctx, m, p.Contact)
	if err != nil {
		return RequestResult{}, err
	}
	return RequestResult{ID: int64(s.Contact.ID)}, m.Unblock(ctx, s.Contact.ID)
}
