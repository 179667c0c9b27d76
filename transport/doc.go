// Package transport carries ratchat's sealed messages over plain TCP: the
// frames and messages a client and a home exchange, sealed envelopes,
// invites, the home server (peer mode and relay mode) and its client.
//
// # Frames and messages
//
// A frame is a 4-byte big-endian length and a body of at most
// [MaxFrameSize] bytes, checked before anything is allocated ([ReadFrame],
// [WriteFrame]). A body is a [Kind] byte, a request id and fixed-layout
// fields ([MarshalMessage], [ParseMessage]); parsing is strict, so every
// accepted body is the canonical encoding of its message.
//
// # Envelopes
//
// [SealEnvelope] hides the sender's identity inside a layer only the
// recipient can open, as Signal's sealed sender does, and pads the content
// so lengths leak little; [OpenEnvelope] authenticates the sender. A home
// learns the recipient, the padded size and the time.
//
// # Homes
//
// A [Server] keeps its owners' mailboxes and prekeys in SQLite
// (package mailbox): anyone may deposit or fetch a bundle, only the owner,
// authenticated by signing a fresh challenge, may fetch its mailbox,
// acknowledge or publish prekeys. [Dial] and [DialAnonymous] return a
// [Conn] for either role. Errors say whether the home was unreachable
// ([ErrUnreachable], [ErrConnectionLost]) or refused ([*RefusedError]).
//
// A home is a public service, so [Limits] bound what anyone can make it
// spend: connections in all and per address, registrations, deposits and
// bundle fetches per address, bundles with one-time prekeys per owner,
// the bytes and mailboxes of the whole home, the life of a connection
// that does not authenticate, and of a mailbox whose owner stays away.
//
// # Invites
//
// [Invite] holds an identity key and a home address; its text form
// (RATCHAT1:...) fits a QR code, and [ParseInvite] catches typos.
//
// docs/TRANSPORT.md has the exact formats, labels and limits.
package transport
