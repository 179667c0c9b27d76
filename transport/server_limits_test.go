package transport

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"ratchat/keys"
	"ratchat/transport/mailbox"
)

// Per-address tests connect from several loopback addresses: Linux
// routes all of 127.0.0.0/8 to the loopback interface, so binding the
// dialer's local address to 127.0.0.x makes a client at another address.

// fromAddr returns client options that connect from the loopback address
// src.
func fromAddr(src string) ClientOptions {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	return ClientOptions{DialContext: d.DialContext, KeepAlive: -1}
}

// dialAnonFrom connects without authenticating from src.
func dialAnonFrom(t testing.TB, h *testHome, src string) *Conn {
	t.Helper()
	c, err := DialAnonymous(ctxT(t), h.addr, fromAddr(src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialOwnerFrom connects as identity from src; the error is the test's.
func dialOwnerFrom(t testing.TB, h *testHome, identity *keys.KeyPair, src string) (*Conn, error) {
	t.Helper()
	home := h.Identity()
	opts := fromAddr(src)
	opts.HomeIdentity, opts.Rand = &home, testRand(7)
	c, err := Dial(ctxT(t), h.addr, identity, opts)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// TestConnectionFloodFromOneAddress: 1,000 connections from one address
// get at most MaxConnsPerAddr slots, and a client at another address
// still connects, in under 100 ms, while they are held.
func TestConnectionFloodFromOneAddress(t *testing.T) {
	const flood, perAddr = 1000, 8
	home := startHome(t, Config{Mode: RelayMode, Limits: Limits{MaxConns: 256, MaxConnsPerAddr: perAddr}})
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.1")}}
	var mu sync.Mutex
	var held []net.Conn
	busy := 0
	var wg sync.WaitGroup
	next := make(chan struct{}, flood)
	for range flood {
		next <- struct{}{}
	}
	close(next)
	for range 16 {
		wg.Go(func() {
			for range next {
				c, err := d.DialContext(ctxT(t), "tcp", home.addr)
				if err != nil {
					t.Error(err)
					return
				}
				r := &rawConn{Conn: c}
				m := r.read(t)
				mu.Lock()
				if e, ok := m.(*Error); ok && e.Code == CodeBusy {
					busy++
					c.Close()
				} else {
					held = append(held, c)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	if len(held) != perAddr || busy != flood-perAddr {
		t.Fatalf("%d connections held, %d refused; want %d and %d", len(held), busy, perAddr, flood-perAddr)
	}
	start := time.Now()
	c := dialAnonFrom(t, home, "127.0.0.2")
	if err := c.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Fatalf("another address took %v to connect during the flood", took)
	}
	if st := home.Stats(); st.AddressLimited != flood-perAddr {
		t.Fatalf("address-limited %d", st.AddressLimited)
	}
}

// TestRegistrationFlood: an open relay registers at most RegisterBurst new
// mailboxes per address, still lets owners with a mailbox in, and past
// MaxMailboxes registers nobody.
func TestRegistrationFlood(t *testing.T) {
	home := startHome(t, Config{Mode: RelayMode, Now: newTestClock().Now,
		Limits: Limits{RegisterBurst: 5, RegisterEvery: time.Hour, MaxMailboxes: 7}})
	steps := []struct {
		src  string
		seed byte
		want ErrorCode // 0: welcome
	}{
		{"127.0.0.1", 10, 0}, {"127.0.0.1", 11, 0}, {"127.0.0.1", 12, 0}, {"127.0.0.1", 13, 0},
		{"127.0.0.1", 14, 0},
		{"127.0.0.1", 15, CodeRateLimited}, // the sixth new mailbox from one address
		{"127.0.0.1", 16, CodeRateLimited},
		{"127.0.0.1", 10, 0}, // an owner with a mailbox is not a registration
		{"127.0.0.3", 15, 0}, // another address has its own allowance
		{"127.0.0.3", 16, 0}, // seven mailboxes
		{"127.0.0.3", 17, CodeHomeFull},
		{"127.0.0.4", 18, CodeHomeFull},
		{"127.0.0.4", 12, 0},
	}
	for i, s := range steps {
		_, err := dialOwnerFrom(t, home, testIdentity(t, s.seed), s.src)
		if s.want == 0 && err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.want != 0 {
			wantCode(t, err, s.want)
		}
	}
	st := home.Stats()
	if st.MailboxesCreated != 7 || st.AddressLimited != 2 || st.HomeFull != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMailboxAndTotalQuota: one mailbox never holds more than its quota,
// all of them together never more than MaxTotalBytes, a full home says
// so, nothing stored is dropped, and an Ack makes room again.
func TestMailboxAndTotalQuota(t *testing.T) {
	alice, bob, carol := testIdentity(t, 1), testIdentity(t, 2), testIdentity(t, 3)
	env := testEnvelope(t, carol, alice.Public, "x")
	size := int64(len(env))
	home := startHome(t, Config{Mode: RelayMode, Limits: Limits{MaxBytes: 3 * size, MaxTotalBytes: 5 * size}})
	aliceConn := dialOwner(t, home, alice)
	dialOwner(t, home, bob)
	anon := dialAnonFrom(t, home, "127.0.0.5")
	steps := []struct {
		to   keys.PublicKey
		want ErrorCode
	}{
		{alice.Public, 0}, {alice.Public, 0}, {alice.Public, 0},
		{alice.Public, CodeQuotaExceeded}, // alice's quota: 3
		{bob.Public, 0}, {bob.Public, 0},  // 5 in the home
		{bob.Public, CodeHomeFull},
		{alice.Public, CodeQuotaExceeded},
	}
	for i, s := range steps {
		_, err := anon.Deposit(ctxT(t), s.to, testToken, testEnvelope(t, carol, s.to, "x"))
		if s.want == 0 && err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if s.want != 0 {
			wantCode(t, err, s.want)
		}
	}
	for who, want := range map[keys.PublicKey]int{alice.Public: 3, bob.Public: 2} {
		if n, _, _ := home.store.Usage(ctxT(t), who); n != want {
			t.Fatalf("%d envelopes kept, want %d", n, want)
		}
	}
	if err := aliceConn.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := aliceConn.Ack(ctxT(t), nextDelivery(t, aliceConn).ID); err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Deposit(ctxT(t), bob.Public, testToken, testEnvelope(t, carol, bob.Public, "y")); err != nil {
		t.Fatalf("after an ack made room: %v", err)
	}
	var r *RefusedError
	_, err := anon.Deposit(ctxT(t), alice.Public, testToken, testEnvelope(t, carol, alice.Public, "z"))
	if !errors.As(err, &r) || r.Code != CodeHomeFull || !r.Temporary() {
		t.Fatalf("a full home is a temporary refusal: %v", err)
	}
}

// TestBundleFlood: 100 bundle requests in a second, from four addresses,
// hand out one-time prekeys only up to the owner's limit; every request
// still gets a usable bundle (the last-resort KEM prekey), the one-time
// prekeys stay in stock, and one address past its own limit is refused.
func TestBundleFlood(t *testing.T) {
	alice := testIdentity(t, 1)
	home := startHome(t, Config{Mode: RelayMode, Now: newTestClock().Now})
	up := testUpload(t, alice, 60, 40)
	if err := dialOwner(t, home, alice).UploadPreKeys(ctxT(t), up); err != nil {
		t.Fatal(err)
	}
	srcs := []string{"127.0.0.6", "127.0.0.7", "127.0.0.8", "127.0.0.9"}
	withOneTime := 0
	for i := range 100 {
		c := dialAnonFrom(t, home, srcs[i%len(srcs)])
		r, err := c.FetchBundle(ctxT(t), alice.Public)
		if err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
		c.Close()
		if r.Bundle.OneTimePreKey != nil {
			withOneTime++
		} else if r.Bundle.KEMPreKeyID != up.LastResort.ID {
			t.Fatalf("fetch %d: a withheld bundle must carry the last-resort KEM prekey", i)
		}
	}
	const burst = 25 // the default TargetBundleBurst
	if withOneTime != burst {
		t.Fatalf("%d bundles with one-time prekeys, want %d", withOneTime, burst)
	}
	owner := dialOwner(t, home, alice)
	if c, err := owner.PreKeyCounts(ctxT(t)); err != nil || c.OneTime != 60-burst || c.KEM != 40-burst {
		t.Fatalf("left in stock: %+v %v", c, err)
	}
	greedy := dialAnonFrom(t, home, "127.0.0.10")
	for range 50 { // the default BundleBurst
		if _, err := greedy.FetchBundle(ctxT(t), alice.Public); err != nil {
			t.Fatal(err)
		}
	}
	_, err := greedy.FetchBundle(ctxT(t), alice.Public)
	wantCode(t, err, CodeRateLimited)
	if st := home.Stats(); st.BundlesWithheld != 100+50-burst {
		t.Fatalf("withheld %d", st.BundlesWithheld)
	}
}

// TestAnonymousPingerClosed: a connection that only pings without
// authenticating is closed after AnonTimeout; an owner pinging alike
// stays.
func TestAnonymousPingerClosed(t *testing.T) {
	const timeout = 600 * time.Millisecond
	alice := testIdentity(t, 1)
	home := peerHome(t, alice, Limits{AnonTimeout: timeout})
	// Four pings before the timeout; the client's own idle limit (three
	// keep-alives) stays wide enough that a loaded machine's late pong
	// does not end the connection before the home does.
	opts := ClientOptions{KeepAlive: 150 * time.Millisecond}
	// The home's clock starts when it accepts the connection, after this
	// (the owner's dial below may take long on a loaded machine).
	start := time.Now()
	pinger, err := DialAnonymous(ctxT(t), home.addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer pinger.Close()
	self := home.Identity()
	opts.HomeIdentity = &self
	owner, err := Dial(ctxT(t), home.addr, alice, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	select {
	case <-pinger.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a pinging anonymous connection was kept")
	}
	if took := time.Since(start); took < timeout || took > 3*time.Second {
		t.Fatalf("closed after %v, want about %v", took, timeout)
	}
	wantCode(t, pinger.Err(), CodeTimeout)
	if err := owner.Ping(ctxT(t)); err != nil {
		t.Fatalf("the owner's connection: %v", err)
	}
}

// waitOwnerGone waits until home no longer counts owner as connected.
// Why a bounded poll: the server notices a closed connection on its own
// time and signals nothing; until then Expire keeps the owner's mailbox,
// as a connected owner's (TestUnfetchedMailboxExpires failed so, about
// one run in seven on a loaded machine).
func waitOwnerGone(t *testing.T, home *testHome, owner keys.PublicKey) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for range 1000 {
		if !slices.ContainsFunc(home.connectedOwners(), owner.Equal) {
			return
		}
		<-tick.C
	}
	t.Fatal("the owner's closed connection is still counted after 5 s")
}

// TestUnfetchedMailboxExpires: a mailbox whose owner stays away for the
// retention period goes, with its envelopes, though they are younger; an
// owner connected all along keeps hers.
func TestUnfetchedMailboxExpires(t *testing.T) {
	alice, bob, carol := testIdentity(t, 1), testIdentity(t, 2), testIdentity(t, 3)
	clock := newTestClock()
	home := startHome(t, Config{Mode: RelayMode, Now: clock.Now, Limits: Limits{Retention: 24 * time.Hour}})
	dialOwner(t, home, bob).Close()
	waitOwnerGone(t, home, bob.Public)
	aliceConn := dialOwner(t, home, alice)
	clock.Advance(12 * time.Hour)
	anon := dialAnon(t, home)
	for _, to := range []keys.PublicKey{alice.Public, bob.Public} {
		if _, err := anon.Deposit(ctxT(t), to, testToken, testEnvelope(t, carol, to, "hi")); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(13 * time.Hour)
	if n, err := home.Expire(); err != nil || n != 1 {
		t.Fatalf("expired %d envelopes: %v", n, err)
	}
	if ok, _ := home.store.Registered(ctxT(t), bob.Public); ok {
		t.Fatal("bob's mailbox outlived the retention period")
	}
	_, err := anon.Deposit(ctxT(t), bob.Public, testToken, testEnvelope(t, carol, bob.Public, "late"))
	wantCode(t, err, CodeUnknownRecipient)
	if err := aliceConn.Fetch(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	nextDelivery(t, aliceConn)
	if st := home.Stats(); st.MailboxesExpired != 1 || st.EnvelopesExpired != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestOpenRelayWarns: a relay without an allow-list says it is open when
// it starts; one with a list, and a peer home, do not.
func TestOpenRelayWarns(t *testing.T) {
	alice := testIdentity(t, 1)
	cases := []struct {
		name string
		cfg  Config
		warn bool
	}{
		{"open relay", Config{Mode: RelayMode}, true},
		{"allow-list", Config{Mode: RelayMode, AllowList: []keys.PublicKey{alice.Public}}, false},
		{"peer", Config{Mode: PeerMode, Owner: alice.Public}, false},
	}
	for _, c := range cases {
		var log bytes.Buffer
		c.cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
		c.cfg.DataDir = t.TempDir()
		s, err := NewServer(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if got := bytes.Contains(log.Bytes(), []byte("level=WARN msg=\"open relay")); got != c.warn {
			t.Errorf("%s: warned %v, want %v (log %q)", c.name, got, c.warn, log.String())
		}
	}
}

// TestAddrKey: IPv4 addresses count alone, IPv6 ones by their /64.
func TestAddrKey(t *testing.T) {
	cases := []struct{ addr, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"::ffff:10.1.2.3", "10.1.2.3"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::"},
		{"2001:db8:1:3::1", "2001:db8:1:3::"},
	}
	for _, c := range cases {
		got := addrKey(&net.TCPAddr{IP: net.ParseIP(c.addr), Port: 9})
		if got.String() != c.want {
			t.Errorf("%s: %s, want %s", c.addr, got, c.want)
		}
	}
	if got := addrKey(&net.UnixAddr{Name: "x"}); got.IsValid() {
		t.Errorf("unix: %s", got)
	}
}

// TestRate: a burst at once, then one per interval; a negative burst is
// no limit.
func TestRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		r    rate
		at   []time.Duration // request times
		want []bool
	}{
		{rate{3, time.Second}, []time.Duration{0, 0, 0, 0}, []bool{true, true, true, false}},
		{rate{3, time.Second}, []time.Duration{0, 0, 0, time.Second, time.Second}, []bool{true, true, true, true, false}},
		{rate{1, time.Minute}, []time.Duration{0, 59 * time.Second, time.Minute}, []bool{true, false, true}},
		{rate{-1, time.Minute}, []time.Duration{0, 0, 0}, []bool{true, true, true}},
		{rate{0, time.Minute}, []time.Duration{0}, []bool{false}},
	}
	for i, s := range steps {
		var tat time.Time
		for j, at := range s.at {
			if got := s.r.allow(&tat, t0.Add(at)); got != s.want[j] {
				t.Errorf("case %d request %d: %v", i, j, got)
			}
		}
	}
}

// TestLimiterSweep: idle entries are forgotten once the maps grow, busy
// ones kept.
func TestLimiterSweep(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(Limits{MaxConnsPerAddr: 1, RegisterBurst: 1, RegisterEvery: time.Hour}.abuseDefaults(RelayMode))
	busy := netip.MustParseAddr("10.0.0.1")
	if !l.connect(busy, now) || l.connect(busy, now) {
		t.Fatal("one connection per address")
	}
	for i := range 2 * minSweep {
		a := netip.MustParseAddr("10.1.0.1").As4()
		a[2], a[3] = byte(i>>8), byte(i)
		l.connect(netip.AddrFrom4(a), now)
		l.disconnect(netip.AddrFrom4(a))
	}
	if n := len(l.addrs); n > minSweep+1 {
		t.Fatalf("%d entries kept", n)
	}
	if _, ok := l.addrs[busy]; !ok {
		t.Fatal("a connected address was forgotten")
	}
}

// TestStoreErrorCode checks what a client is told for each failure of the
// mailbox backend: a backend that cannot answer now is busy (try later),
// not an internal error.
func TestStoreErrorCode(t *testing.T) {
	cases := []struct {
		err  error
		code ErrorCode
	}{
		{mailbox.ErrUnknownMailbox, CodeUnknownRecipient},
		{mailbox.ErrUnknownToken, CodeTokenRefused},
		{mailbox.ErrRequestQuota, CodeQuotaExceeded},
		{mailbox.ErrTokenQuota, CodeQuotaExceeded},
		{mailbox.ErrQuota, CodeQuotaExceeded},
		{mailbox.ErrFull, CodeHomeFull},
		{mailbox.ErrNoPreKeys, CodeNoPreKeys},
		{mailbox.ErrClosed, CodeShuttingDown},
		{fmt.Errorf("jetstream: no holder: %w", mailbox.ErrUnavailable), CodeBusy},
		{errors.New("disk on fire"), CodeInternal},
	}
	for _, c := range cases {
		code, _ := storeErrorCode(c.err)
		if code != c.code {
			t.Errorf("%v: %v, want %v", c.err, code, c.code)
		}
	}
}
