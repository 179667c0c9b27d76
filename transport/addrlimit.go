package transport

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"

	"ratchat/keys"
)

// Per-address limits. A home is a public service: whoever reaches it may
// connect, deposit and fetch bundles without saying who they are, and
// an open relay registers anyone. The per-connection token bucket
// ([tokenBucket]) bounds one connection; these bound one address, however
// many connections it opens, and one owner's bundles, however many
// addresses ask for them.

// rate is one limit: burst requests at once, then one more every every.
// A negative burst means no limit.
type rate struct {
	burst int
	every time.Duration
}

// allow counts one request against the limit whose state is tat, and
// reports whether it is allowed (only then is it counted). This is the
// generic cell rate algorithm: tat, the "theoretical arrival time", is
// when the bucket would be full again; a request moves it one interval
// on, and is refused if that would put it more than burst intervals
// ahead of now. Why this form: its whole state is one time, and the zero
// time is a full bucket, so an idle entry can be forgotten.
func (r rate) allow(tat *time.Time, now time.Time) bool {
	if r.burst < 0 {
		return true
	}
	next := *tat
	if next.Before(now) {
		next = now
	}
	next = next.Add(r.every)
	if float64(next.Sub(now)) > float64(r.burst)*float64(r.every) {
		return false
	}
	*tat = next
	return true
}

// addrKind names a per-address rate limit.
type addrKind uint8

const (
	limitRegister addrKind = iota // new mailboxes
	limitDeposit                  // deposits
	limitBundle                   // bundle fetches
	limitKinds
)

// addrState is what a home keeps about one address.
type addrState struct {
	conns int
	tat   [limitKinds]time.Time
}

// idle reports whether the entry holds nothing worth keeping: no
// connection, and every bucket full again.
func (a *addrState) idle(now time.Time) bool {
	if a.conns > 0 {
		return false
	}
	for _, t := range a.tat {
		if t.After(now) {
			return false
		}
	}
	return true
}

// minSweep is the size the limiter's maps may reach before idle entries
// are first swept out.
const minSweep = 1024

// limiter keeps the per-address and per-target limits of a [Server].
// It is safe for concurrent use.
type limiter struct {
	maxConns int // per address; negative: no limit
	rates    [limitKinds]rate
	target   rate // bundles with one-time prekeys, per owner

	mu      sync.Mutex
	addrs   map[netip.Addr]*addrState
	targets map[keys.PublicKey]time.Time
	sweepAt int // sweep idle entries once the maps hold this many
}

func newLimiter(l Limits) *limiter {
	return &limiter{
		maxConns: l.MaxConnsPerAddr,
		rates: [limitKinds]rate{
			limitRegister: {l.RegisterBurst, l.RegisterEvery},
			limitDeposit:  {l.DepositBurst, l.DepositEvery},
			limitBundle:   {l.BundleBurst, l.BundleEvery},
		},
		target:  rate{l.TargetBundleBurst, l.TargetBundleEvery},
		addrs:   map[netip.Addr]*addrState{},
		targets: map[keys.PublicKey]time.Time{},
		sweepAt: minSweep,
	}
}

// errAddrLimited refuses a registration over its address's limit (from
// inside the mailbox store's writer); the home answers CodeRateLimited.
var errAddrLimited = errors.New("transport: too many requests from this address")

// addrKey returns whom per-address limits count a connection against:
// its IPv4 address, or the /64 prefix of its IPv6 address. Why the /64:
// one subscriber is usually given a whole /64, and would otherwise have
// 2^64 addresses to spread a flood over. A connection that is not TCP
// counts as the zero address.
func addrKey(a net.Addr) netip.Addr {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	ip, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return netip.Addr{}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// state returns addr's entry, creating it (and sweeping first when the
// maps have grown). Called with l.mu held.
func (l *limiter) state(addr netip.Addr, now time.Time) *addrState {
	if a, ok := l.addrs[addr]; ok {
		return a
	}
	l.maybeSweep(now)
	a := &addrState{}
	l.addrs[addr] = a
	return a
}

// maybeSweep forgets idle entries once the maps have grown to sweepAt,
// then lets them grow to twice what is left: amortized, each entry costs
// a constant share of the sweeps. Called with l.mu held.
func (l *limiter) maybeSweep(now time.Time) {
	if len(l.addrs)+len(l.targets) < l.sweepAt {
		return
	}
	for k, a := range l.addrs {
		if a.idle(now) {
			delete(l.addrs, k)
		}
	}
	for k, t := range l.targets {
		if !t.After(now) {
			delete(l.targets, k)
		}
	}
	l.sweepAt = max(minSweep, 2*(len(l.addrs)+len(l.targets)))
}

// connect counts a new connection from addr, unless addr has as many as
// it may.
func (l *limiter) connect(addr netip.Addr, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.state(addr, now)
	if l.maxConns >= 0 && a.conns >= l.maxConns {
		return false
	}
	a.conns++
	return true
}

// disconnect uncounts a connection that connect counted.
func (l *limiter) disconnect(addr netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a, ok := l.addrs[addr]; ok && a.conns > 0 {
		a.conns--
	}
}

// allow counts a request of a kind from addr, if its limit allows it.
func (l *limiter) allow(addr netip.Addr, kind addrKind, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.state(addr, now)
	return l.rates[kind].allow(&a.tat[kind], now)
}

// allowTarget counts a bundle of owner with one-time prekeys, if the
// owner's limit allows it.
func (l *limiter) allowTarget(owner keys.PublicKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.targets[owner]
	if !ok {
		l.maybeSweep(now)
	}
	allowed := l.target.allow(&tat, now)
	if allowed && l.target.burst >= 0 {
		l.targets[owner] = tat
	}
	return allowed
}
