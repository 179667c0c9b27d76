package spqr

import "fmt"

// link is one epoch of the chain: our send half and our receive half.
type link struct {
	send, recv halfChain
}

// chain is SPQR's symmetric chain: one pair of half-chains per epoch, each
// epoch's pair derived from a root that every epoch secret of the braid is
// mixed into. It turns (epoch, index) into a message key. Its methods change
// the chain they are called on; [Send] and [Recv] call them on a clone.
type chain struct {
	// a2b is set on the side that sends A2B (the session's initiator).
	a2b bool
	// currentEpoch is the newest epoch; links[len-1] belongs to it.
	currentEpoch uint64
	// sendEpoch is the epoch we last sent in; we never send in an older one.
	sendEpoch uint64
	// links hold epochs currentEpoch-len(links)+1 ... currentEpoch.
	links []link
	// nextRoot is the salt under which the next epoch secret is mixed in.
	nextRoot [KeySize]byte
	// params are the limits as configured (zero fields are defaults).
	params ChainParams
}

// newChain starts a chain from the authentication key that the key
// agreement produced (PQXDH's third 32 bytes): epoch 0's half-chains and the
// first root come from HKDF(zero salt, authKey, [labelChainStart]).
func newChain(authKey []byte, a2b bool, p ChainParams) (*chain, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	root, ab, ba := deriveRoot(zeroSalt[:], authKey, labelChainStart)
	c := &chain{a2b: a2b, nextRoot: root, params: p}
	c.links = []link{c.newLink(ab, ba)}
	return c, nil
}

// newLink orders an epoch's two chain secrets into our send and receive
// halves: the A2B secret is the initiator's send chain and the responder's
// receive chain.
func (c *chain) newLink(ab, ba [KeySize]byte) link {
	if c.a2b {
		return link{send: halfChain{next: ab}, recv: halfChain{next: ba}}
	}
	return link{send: halfChain{next: ba}, recv: halfChain{next: ab}}
}

// clone returns a copy that can be changed without changing c. Histories
// are shared: they are never written in place. [Send] and [Recv] clone the
// chain for every message, so a chain of a few links (the usual case: the
// send epoch and the one after it) comes with its links in one allocation.
func (c *chain) clone() *chain {
	if len(c.links) < clonedLinks {
		b := &chainBlock{c: *c}
		b.c.links = append(b.links[:0], c.links...)
		return &b.c
	}
	d := *c
	d.links = append(make([]link, 0, len(c.links)+1), c.links...)
	return &d
}

// clonedLinks is how many links a chainBlock has room for: the links of a
// usual chain and one epoch more.
const clonedLinks = 3

// chainBlock is a chain and its links in one allocation.
type chainBlock struct {
	c     chain
	links [clonedLinks]link
}

// addEpoch mixes the braid's secret for epoch currentEpoch+1 into the root:
// HKDF(nextRoot, secret, [labelAddEpoch]) gives the new root and the new
// epoch's half-chains.
func (c *chain) addEpoch(epoch uint64, secret []byte) error {
	if epoch != c.currentEpoch+1 || epoch == 0 {
		return fmt.Errorf("%w: secret for epoch %d, chain at %d", ErrEpochSkipped, epoch, c.currentEpoch)
	}
	root, ab, ba := deriveRoot(c.nextRoot[:], secret, labelAddEpoch)
	c.currentEpoch = epoch
	c.nextRoot = root
	c.links = append(c.links, c.newLink(ab, ba))
	return nil
}

// epochIndex returns the position of epoch in links.
func (c *chain) epochIndex(epoch uint64) (int, error) {
	if epoch > c.currentEpoch || c.currentEpoch-epoch >= uint64(len(c.links)) {
		return 0, fmt.Errorf("%w: epoch %d, chain holds %d..%d", ErrEpochOutOfRange, epoch,
			c.currentEpoch+1-uint64(len(c.links)), c.currentEpoch)
	}
	return len(c.links) - 1 - int(c.currentEpoch-epoch), nil
}

// sendKey returns the next send index and key in epoch. Moving the send
// epoch forward drops every epoch more than [epochsKeptBeforeSend] behind
// it and erases the send halves of the epochs before it: we will never send
// in them again, so their secrets must not survive a later compromise.
func (c *chain) sendKey(epoch uint64) (uint32, [KeySize]byte, error) {
	if epoch < c.sendEpoch {
		return 0, [KeySize]byte{}, fmt.Errorf("%w: from %d to %d", ErrSendEpochDecreased, c.sendEpoch, epoch)
	}
	i, err := c.epochIndex(epoch)
	if err != nil {
		return 0, [KeySize]byte{}, err
	}
	if epoch != c.sendEpoch {
		c.sendEpoch = epoch
		if drop := i - epochsKeptBeforeSend; drop > 0 {
			clear(c.links[:drop])
			c.links = c.links[drop:]
			i -= drop
		}
		for j := range i {
			c.links[j].send.erase()
		}
	}
	return c.links[i].send.nextKey()
}

// recvKey returns the receive key at index in epoch, once.
func (c *chain) recvKey(epoch uint64, index uint32) ([KeySize]byte, error) {
	i, err := c.epochIndex(epoch)
	if err != nil {
		return [KeySize]byte{}, err
	}
	return c.links[i].recv.key(index, c.params)
}
