package cli

import (
	"encoding/hex"

	"ratchat/chat"
)

// statusText names a message status.
func statusText(s chat.Status) string {
	switch s {
	case chat.StatusQueued:
		return "queued"
	case chat.StatusSent:
		return "sent"
	case chat.StatusDelivered:
		return "delivered"
	case chat.StatusRead:
		return "read"
	}
	return "failed"
}

// directionText names who wrote a row.
func directionText(d chat.Direction) string {
	switch d {
	case chat.Incoming:
		return "in"
	case chat.Outgoing:
		return "out"
	}
	return "local"
}

// kindText names a row's kind.
func kindText(k chat.RowKind) string {
	switch k {
	case chat.RowText:
		return "text"
	case chat.RowFile:
		return "file"
	case chat.RowKeyChanged:
		return "key changed"
	case chat.RowSessionReset:
		return "session reset"
	case chat.RowVerified:
		return "verified"
	case chat.RowUnverified:
		return "unverified"
	case chat.RowTimer:
		return "timer"
	case chat.RowDecryptFailed:
		return "a message could not be decrypted"
	}
	return "unknown"
}

// hexID is a message id as text.
func hexID(id chat.MessageID) string { return hex.EncodeToString(id[:]) }
