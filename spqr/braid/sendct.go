package braid

import (
	"fmt"
	"io"

	"ratchat/spqr/erasure"
	"ratchat/spqr/incmlkem"
)

// The send_ct side of an epoch: we receive the peer's header, encapsulate
// to it in two steps (ct1 from the header alone, ct2 once the key vector
// has arrived), and send both (src/v1/chunked/send_ct.rs,
// src/v1/unchunked/send_ct.rs).

// recvHeaderChunk (NoHeaderReceived → HeaderReceived) takes a chunk of
// header ‖ MAC and, once complete, checks the MAC under the epoch's
// authenticator before the header is used.
func (s States) recvHeaderChunk(c erasure.Chunk) (States, error) {
	got, msg, err := s.addChunk(c, hdrMsgSize)
	if err != nil {
		return s, err
	}
	if msg == nil {
		s.got = got
		return s, nil
	}
	hdr, mac := msg[:incmlkem.HeaderSize], msg[incmlkem.HeaderSize:]
	if !s.auth.verifyHeader(s.epoch, hdr, mac) {
		return s, fmt.Errorf("%w: header of epoch %d", ErrMAC, s.epoch)
	}
	return States{kind: kindHeaderReceived, epoch: s.epoch, auth: s.auth, hdr: hdr}, nil
}

// sendCt1 (HeaderReceived → Ct1Sampled) runs Encaps1 on the header: the
// epoch's secret is known from here on this side, so it is returned now and
// mixed into the authenticator, whose MAC key then covers the ciphertext.
func (s States) sendCt1(rand io.Reader) (States, erasure.Chunk, *EpochSecret, error) {
	ct1, es, ss, err := incmlkem.Encaps1(s.hdr, rand)
	if err != nil {
		return s, erasure.Chunk{}, nil, fmt.Errorf("braid: encapsulate ct1: %w", err)
	}
	if len(ct1) != incmlkem.Ciphertext1Size {
		return s, erasure.Chunk{}, nil, fmt.Errorf("%w: ct1 size %d", ErrState, len(ct1))
	}
	secret := epochSecret(s.epoch, ss)
	enc, err := newEncoder(ct1)
	if err != nil {
		return s, erasure.Chunk{}, nil, err
	}
	next := States{kind: kindCt1Sampled, epoch: s.epoch, auth: s.auth.update(s.epoch, secret),
		hdr: s.hdr, es: es, ct1: ct1, enc: enc, next: 1, got: s.got}
	return next, enc.Chunk(0), &EpochSecret{Epoch: s.epoch, Secret: secret}, nil
}

// recvEkChunk takes a chunk of the peer's key vector, with ack set when the
// message also says that all of ct1 arrived. From Ct1Sampled: an ack alone
// stops our ct1 (→ Ct1Acknowledged), the key alone stops our receiving
// (→ EkReceivedCt1Sampled), both at once start ct2. From Ct1Acknowledged
// the completing chunk starts ct2. A complete key must match the header the
// authenticator vouched for.
func (s States) recvEkChunk(c erasure.Chunk, ack bool) (States, error) {
	got, ek, err := s.addChunk(c, incmlkem.EncapsulationKeySize)
	if err != nil {
		return s, err
	}
	ack = ack || s.kind == kindCt1Acknowledged
	if ek == nil {
		if ack {
			return States{kind: kindCt1Acknowledged, epoch: s.epoch, auth: s.auth,
				hdr: s.hdr, es: s.es, ct1: s.ct1, got: got}, nil
		}
		s.got = got
		return s, nil
	}
	if !incmlkem.EncapsulationKeyMatchesHeader(ek, s.hdr) {
		return s, fmt.Errorf("%w: epoch %d", ErrKeyMismatch, s.epoch)
	}
	next := States{kind: kindEkReceivedCt1Sampled, epoch: s.epoch, auth: s.auth,
		es: s.es, ek: ek, ct1: s.ct1, enc: s.enc, next: s.next}
	if ack {
		return next.sendCt2()
	}
	return next, nil
}

// sendCt2 (→ Ct2Sampled) finishes the encapsulation with the key vector and
// starts sending ct2 ‖ MAC(ct1 ‖ ct2). Only the epoch and authenticator are
// kept: the encapsulation state and the ciphertexts are dropped.
func (s States) sendCt2() (States, error) {
	ct2, err := incmlkem.Encaps2(s.ek, s.es)
	if err != nil {
		return s, fmt.Errorf("braid: encapsulate ct2: %w", err)
	}
	if len(ct2) != incmlkem.Ciphertext2Size {
		return s, fmt.Errorf("%w: ct2 size %d", ErrState, len(ct2))
	}
	ct := append(append(make([]byte, 0, len(s.ct1)+len(ct2)), s.ct1...), ct2...)
	msg := append(ct2[:len(ct2):len(ct2)], s.auth.macCiphertext(s.epoch, ct)...)
	enc, err := newEncoder(msg)
	if err != nil {
		return s, err
	}
	return States{kind: kindCt2Sampled, epoch: s.epoch, auth: s.auth, enc: enc}, nil
}

// recvNextEpoch (Ct2Sampled → KeysUnsampled in epoch+1): the peer's message
// from the next epoch proves it decapsulated, so the roles swap and we
// will send the next key. The caller checked that epoch+1 does not wrap.
func (s States) recvNextEpoch() States {
	return States{kind: kindKeysUnsampled, epoch: s.epoch + 1, auth: s.auth}
}
