package session

import "testing"

// Two people who add each other at once cross two new sessions. Each side
// supersedes the session it had with the one it starts, and both keep
// reading what the other sent on either.
func TestSupersedeKeepsTheOldStateReadable(t *testing.T) {
	opt := bundleOptions{oneTime: true, kem: true}
	alice, bob := newParty(t, 1), newParty(t, 2)
	startSession(t, alice, bob, opt) // alice's session A
	a1 := alice.send("on A")
	bob.mustReceive(a1) // bob now has A (as responder)

	next, err := Initiate(bob.rand, bob.local, alice.bundle(opt)) // bob adds alice again: B
	if err != nil {
		t.Fatal(err)
	}
	bob.session.Supersede(next)
	b1 := bob.send("on B")

	a2 := alice.send("still on A") // alice has not seen B yet
	bob.mustReceive(a2)            // archived A still decrypts
	alice.mustReceive(b1)          // alice takes B
	alice.mustReceive(bob.send("then whichever state is current"))
	bob.mustReceive(alice.send("and the answer"))

	// Superseding with nothing changes nothing.
	before := bob.snapshot()
	bob.session.Supersede(nil)
	bob.session.Supersede(&Session{})
	if string(before) != string(bob.snapshot()) {
		t.Fatal("an empty Supersede changed the session")
	}
}
