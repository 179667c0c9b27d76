package transport

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"ratchat/keys"
)

// Invites. An invite is what one person gives another to become a
// contact: their identity key, the address of their home and a request
// token for deposits there, as a short text that also fits a QR code:
//
//	RATCHAT1:<base32 of version || identity key || [token] || address || checksum>
//
// Version 2 carries the 16-byte request token; version 1 (before deposit
// tokens) has none, and still parses with a zero Token, so that a caller
// can say what is wrong with it: a home refuses deposits without a token,
// so an invite without one can start no conversation.
//
// Why upper-case base32 without padding: the whole text stays in QR
// alphanumeric mode (a smaller code), survives being read aloud or typed,
// and has no characters a terminal or chat program mangles.
const (
	// InvitePrefix starts every invite. ParseInvite accepts it in any case.
	InvitePrefix = "RATCHAT1:"

	// MaxInviteAddress bounds the home address (host:port) in an invite,
	// so that the whole invite fits MaxInviteSize.
	MaxInviteAddress = 51

	// MaxInviteSize bounds an invite's text, the QR payload. ParseInvite
	// refuses a longer invite (white space aside) before decoding.
	MaxInviteSize = 176

	// MaxInviteInput bounds the text ParseInvite reads, white space
	// included: room for an invite wrapped at 10 columns with CRLF line
	// ends and indented, refused before anything is copied or decoded.
	MaxInviteInput = 1024

	inviteVersion1 = 1 // no token
	inviteVersion  = 2 // with the request token
	// checksumSize is how much of the SHA-256 checksum an invite keeps: a
	// typo is caught with probability 1 - 2^-32. Why a checksum at all:
	// the identity key is not secret and needs no MAC, but a mistyped one
	// must give a clear error, not a contact nobody can reach.
	checksumSize = 4
	// inviteChecksumLabel separates the invite checksum from every other
	// hash of the same bytes.
	inviteChecksumLabel = "ratchat invite checksum v1\x00"
	inviteFixed         = 1 + keys.KeySize + checksumSize
)

var inviteEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Invite is a contact's identity key, home address and request token.
type Invite struct {
	Identity keys.PublicKey
	Address  string // host:port; host is an IP address or a lower-case DNS name
	// Token is the request token for deposits at the home: the zero
	// Token in an invite from before deposit tokens (version 1).
	Token Token
}

// Encode returns the invite's text (also its QR payload). It fails with
// [ErrInvite] for an invalid identity key or address.
func (inv Invite) Encode() (string, error) {
	if _, err := keys.NewPublicKey(inv.Identity[:]); err != nil {
		return "", fmt.Errorf("%w: identity key: %w", ErrInvite, err)
	}
	if err := checkAddress(inv.Address); err != nil {
		return "", err
	}
	b := make([]byte, 0, inviteFixed+TokenSize+len(inv.Address))
	if inv.Token.IsZero() {
		b = append(append(b, inviteVersion1), inv.Identity[:]...)
	} else {
		b = append(append(b, inviteVersion), inv.Identity[:]...)
		b = append(b, inv.Token[:]...)
	}
	b = append(b, inv.Address...)
	b = append(b, inviteChecksum(b)...)
	return InvitePrefix + inviteEncoding.EncodeToString(b), nil
}

// ParseInvite reads an invite. It ignores case and all white space,
// wherever it is (a terminal wraps a long invite, a mail program indents
// it), and is otherwise strict; errors wrap [ErrInvite] and say what is
// wrong ([ErrInviteChecksum] for a typo).
func ParseInvite(text string) (Invite, error) {
	if len(text) > MaxInviteInput {
		return Invite{}, fmt.Errorf("%w: longer than %d characters", ErrInvite, MaxInviteInput)
	}
	text, err := compactInvite(text)
	if err != nil {
		return Invite{}, err
	}
	if len(text) < len(InvitePrefix) || !strings.EqualFold(text[:len(InvitePrefix)], InvitePrefix) {
		return Invite{}, fmt.Errorf("%w: does not start with %s", ErrInvite, InvitePrefix)
	}
	body := strings.ToUpper(text[len(InvitePrefix):])
	b, err := inviteEncoding.DecodeString(body)
	// Why re-encode: base32 leaves unused low bits in the last character,
	// and only one spelling of each invite should parse.
	if err != nil || inviteEncoding.EncodeToString(b) != body {
		return Invite{}, fmt.Errorf("%w: not base32 (a character is wrong or missing)", ErrInvite)
	}
	if len(b) < inviteFixed {
		return Invite{}, fmt.Errorf("%w: too short (truncated?)", ErrInvite)
	}
	data, sum := b[:len(b)-checksumSize], b[len(b)-checksumSize:]
	if subtle.ConstantTimeCompare(sum, inviteChecksum(data)) != 1 {
		return Invite{}, fmt.Errorf("%w: %w", ErrInvite, ErrInviteChecksum)
	}
	if data[0] != inviteVersion && data[0] != inviteVersion1 {
		return Invite{}, fmt.Errorf("%w: version %d is not supported (update ratchat?)", ErrInvite, data[0])
	}
	id, err := keys.NewPublicKey(data[1 : 1+keys.KeySize])
	if err != nil {
		return Invite{}, fmt.Errorf("%w: identity key: %w", ErrInvite, err)
	}
	inv := Invite{Identity: id}
	rest := data[1+keys.KeySize:]
	if data[0] == inviteVersion {
		if len(rest) < TokenSize {
			return Invite{}, fmt.Errorf("%w: too short (truncated?)", ErrInvite)
		}
		inv.Token = Token(rest[:TokenSize])
		if inv.Token.IsZero() {
			return Invite{}, fmt.Errorf("%w: zero request token", ErrInvite)
		}
		rest = rest[TokenSize:]
	}
	inv.Address = string(rest)
	if err := checkAddress(inv.Address); err != nil {
		return Invite{}, err
	}
	return inv, nil
}

// compactInvite returns text without its white space (Unicode's), and
// fails for a character outside ASCII or more than [MaxInviteSize] of the
// rest. Why ASCII only: upper-casing other letters can yield ASCII ones
// (ı to I), and only one spelling of each invite should parse.
func compactInvite(text string) (string, error) {
	var buf [MaxInviteSize]byte
	n := 0
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= utf8.RuneSelf:
			return "", fmt.Errorf("%w: a character is not ASCII", ErrInvite)
		case n == len(buf):
			return "", fmt.Errorf("%w: longer than %d characters", ErrInvite, MaxInviteSize)
		}
		buf[n] = byte(r)
		n++
	}
	return string(buf[:n]), nil
}

// inviteChecksum returns the truncated labelled SHA-256 of data.
func inviteChecksum(data []byte) []byte {
	h := sha256.New()
	h.Write([]byte(inviteChecksumLabel))
	h.Write(data)
	return h.Sum(nil)[:checksumSize]
}

// checkAddress accepts exactly host:port with a port from 1 to 65535 in
// canonical decimal, and a host that is an IP address in its canonical
// form (IPv6 in brackets, no zone) or a lower-case DNS name.
func checkAddress(addr string) error {
	if len(addr) == 0 || len(addr) > MaxInviteAddress {
		return fmt.Errorf("%w: address must be 1 to %d characters", ErrInvite, MaxInviteAddress)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.JoinHostPort(host, port) != addr {
		return fmt.Errorf("%w: address is not host:port", ErrInvite)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 || strconv.FormatUint(p, 10) != port {
		return fmt.Errorf("%w: bad port", ErrInvite)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" || ip.String() != host {
			return fmt.Errorf("%w: IP address not in canonical form", ErrInvite)
		}
		return nil
	}
	if !validHostname(host) {
		return fmt.Errorf("%w: bad host name", ErrInvite)
	}
	return nil
}

// validHostname accepts lower-case DNS names: dot-separated labels of 1 to
// 63 letters, digits and inner hyphens, not all digits at the end.
func validHostname(h string) bool {
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range []byte(l) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.Trim(last, "0123456789") != ""
}
