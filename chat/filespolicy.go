package chat

import (
	"context"

	"ratchat/store"
)

// FilesPolicy is whether a contact's file offers download by themselves.
type FilesPolicy = store.FilesPolicy

// The file policies: by default a verified contact's files download by
// themselves and everyone else's wait for the user ([Messenger.AcceptFile]).
const (
	FilesDefault = store.FilesDefault
	FilesAuto    = store.FilesAuto
	FilesAsk     = store.FilesAsk
)

// SetFilesPolicy sets whether a contact's files download by themselves
// (FilesAuto), always wait for the user (FilesAsk), or follow the default.
func (m *Messenger) SetFilesPolicy(ctx context.Context, id store.ContactID, p FilesPolicy) error {
	if err := m.st.SetFilesPolicy(ctx, id, p); err != nil {
		return err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	return nil
}
