package braid

import (
	"fmt"
	"io"
	"math"

	"ratchat/spqr/erasure"
	"ratchat/spqr/incmlkem"
)

// The send_ek side of an epoch: we sample a key pair, send the header with
// its MAC, then the encapsulation key, and decapsulate the ciphertext that
// comes back (src/v1/chunked/send_ek.rs, src/v1/unchunked/send_ek.rs).

// sendHeader (KeysUnsampled → KeysSampled) samples the epoch's key pair and
// starts sending header ‖ MAC(header). The header goes first because the
// peer can start encapsulating (Encaps1) from it alone.
func (s States) sendHeader(rand io.Reader) (States, erasure.Chunk, error) {
	keys, err := incmlkem.Generate(rand)
	if err != nil {
		return s, erasure.Chunk{}, fmt.Errorf("braid: generate keys: %w", err)
	}
	if len(keys.Header) != incmlkem.HeaderSize || len(keys.EncapsulationKey) != incmlkem.EncapsulationKeySize {
		return s, erasure.Chunk{}, fmt.Errorf("%w: generated key sizes", ErrState)
	}
	msg := append(append(make([]byte, 0, hdrMsgSize), keys.Header...), s.auth.macHeader(s.epoch, keys.Header)...)
	enc, err := newEncoder(msg)
	if err != nil {
		return s, erasure.Chunk{}, err
	}
	next := States{kind: kindKeysSampled, epoch: s.epoch, auth: s.auth,
		ek: keys.EncapsulationKey, dk: keys.DecapsulationKey, enc: enc, next: 1}
	return next, enc.Chunk(0), nil
}

// recvCt1Chunk takes a chunk of ct1. In KeysSampled the first chunk proves
// that the peer has our header, so we stop sending it and start sending the
// encapsulation key (→ HeaderSent); in HeaderSent the chunk that completes
// ct1 moves us to Ct1Received, whose messages acknowledge it.
func (s States) recvCt1Chunk(c erasure.Chunk) (States, error) {
	if s.kind == kindKeysSampled {
		enc, err := newEncoder(s.ek)
		if err != nil {
			return s, err
		}
		return States{kind: kindHeaderSent, epoch: s.epoch, auth: s.auth, dk: s.dk, enc: enc, got: (*chunkList)(nil).with(c)}, nil // one chunk never completes ct1
	}
	got, ct1, err := s.addChunk(c, incmlkem.Ciphertext1Size)
	if err != nil {
		return s, err
	}
	if ct1 == nil {
		s.got = got
		return s, nil
	}
	return States{kind: kindCt1Received, epoch: s.epoch, auth: s.auth, dk: s.dk, ct1: ct1, enc: s.enc, next: s.next}, nil
}

// recvCt2Chunk takes a chunk of ct2 ‖ MAC. In Ct1Received the first chunk
// proves that the peer has our whole key, so we stop sending it
// (→ EkSentCt1Received); the chunk that completes ct2 ‖ MAC ends the epoch.
func (s States) recvCt2Chunk(c erasure.Chunk) (States, *EpochSecret, error) {
	if s.kind == kindCt1Received {
		// One chunk never completes ct2 ‖ MAC.
		return States{kind: kindEkSentCt1Received, epoch: s.epoch, auth: s.auth, dk: s.dk, ct1: s.ct1,
			got: (*chunkList)(nil).with(c)}, nil, nil
	}
	got, msg, err := s.addChunk(c, ct2MsgSize)
	if err != nil {
		return s, nil, err
	}
	if msg == nil {
		s.got = got
		return s, nil, nil
	}
	return s.decapsulate(msg[:incmlkem.Ciphertext2Size], msg[incmlkem.Ciphertext2Size:])
}

// decapsulate (EkSentCt1Received → NoHeaderReceived in epoch+1) derives the
// epoch's secret, mixes it into the authenticator and only then checks the
// ciphertext MAC: the MAC key depends on the secret, so a ciphertext that
// decapsulates to anything but what the peer encapsulated is refused.
func (s States) decapsulate(ct2, mac []byte) (States, *EpochSecret, error) {
	ss, err := incmlkem.Decaps(s.dk, s.ct1, ct2)
	if err != nil {
		return s, nil, fmt.Errorf("braid: decapsulate: %w", err)
	}
	secret := epochSecret(s.epoch, ss)
	auth := s.auth.update(s.epoch, secret)
	ct := append(append(make([]byte, 0, len(s.ct1)+len(ct2)), s.ct1...), ct2...)
	if !auth.verifyCiphertext(s.epoch, ct, mac) {
		return s, nil, fmt.Errorf("%w: ciphertext of epoch %d", ErrMAC, s.epoch)
	}
	if s.epoch == math.MaxUint64 {
		return s, nil, fmt.Errorf("%w: epoch %d is the last", ErrEpochOutOfRange, s.epoch)
	}
	next := States{kind: kindNoHeaderReceived, epoch: s.epoch + 1, auth: auth}
	return next, &EpochSecret{Epoch: s.epoch, Secret: secret}, nil
}
