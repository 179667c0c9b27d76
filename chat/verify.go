package chat

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"ratchat/keys"
	"ratchat/store"
	"ratchat/transport"
)

// VerifyCode compares a code the user pasted or typed (the 60 digits, in
// groups or not, or the text of the contact's QR code) with the contact's
// safety number and, if it matches, marks the contact verified. It fails
// with [ErrMalformedCode] for text that is no safety number at all (an
// invite, a short code), and with [ErrCodeMismatch] for a well-formed
// number that differs.
func (m *Messenger) VerifyCode(ctx context.Context, id store.ContactID, code string) error {
	if err := CheckCode(code); err != nil {
		return err
	}
	sn, err := m.SafetyNumber(ctx, id)
	if err != nil {
		return err
	}
	if !sn.Matches(code) {
		return ErrCodeMismatch
	}
	return m.SetVerified(ctx, id, true)
}

// wellFormedCode checks that code is a QR payload or 60 digits with only
// spaces, dashes and line breaks between them.
func CheckCode(code string) error {
	if _, err := keys.ParseQRPayload(code); err == nil {
		return nil
	}
	trimmed := strings.TrimSpace(code)
	if strings.HasPrefix(strings.ToUpper(trimmed), transport.InvitePrefix) {
		return fmt.Errorf("%w: that is an invite", ErrMalformedCode)
	}
	if len(code) > keys.MaxPastedCodeSize {
		return fmt.Errorf("%w: %d characters", ErrMalformedCode, len(code))
	}
	digits := 0
	for _, r := range trimmed {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || unicode.IsSpace(r):
		default:
			return fmt.Errorf("%w: it holds %q", ErrMalformedCode, r)
		}
	}
	if digits != keys.SafetyNumberDigits {
		return fmt.Errorf("%w: %d digits, want %d", ErrMalformedCode, digits, keys.SafetyNumberDigits)
	}
	return nil
}

// SetVerified sets or clears a contact's verified mark, and writes a line
// into the chat when it changed. Setting it also accepts a changed
// identity key: the user has just compared the numbers made with the new
// key.
func (m *Messenger) SetVerified(ctx context.Context, id store.ContactID, verified bool) error {
	before, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	if verified && before.Held {
		if err := m.AcceptIdentity(ctx, id); err != nil {
			return err
		}
	}
	if err := m.st.SetVerified(ctx, id, verified); err != nil {
		return err
	}
	c, err := m.st.Contact(ctx, id)
	if err != nil {
		return err
	}
	m.events.emit(ContactChanged{Contact: c})
	if before.Verified == verified {
		return nil
	}
	kind := store.KindUnverified
	if verified {
		kind = store.KindVerified
	}
	return m.systemLine(ctx, id, kind, 0)
}
