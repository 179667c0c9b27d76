package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"ratchat/keys"
	"ratchat/session"
	"ratchat/store"
	"ratchat/transport"
)

// Config says how to run a [Messenger] for one unlocked profile.
type Config struct {
	// Store is the unlocked profile. The Messenger uses it but does not
	// close it.
	Store *store.Store
	// Listen is where the profile's own home listens (peer mode), such as
	// "0.0.0.0:7070"; default "127.0.0.1:0". Ignored when Relay is set.
	Listen string
	// Advertise is the home address put in invites; default: the address
	// the listener got (or Relay).
	Advertise string
	// Relay, if set, is the address of the relay that is the profile's
	// home instead of a listener of its own.
	Relay string
	// Downloads is the folder received files are saved in.
	Downloads string
	// DownloadsQuota bounds the bytes the downloads folder may hold; an
	// offer that would pass it fails. 0 means [DownloadsQuota].
	DownloadsQuota int64
	// Retry bounds the outbox's backoff; defaults 500ms and 5 minutes.
	RetryMin, RetryMax time.Duration
	// Client configures connections to homes (timeouts; tests shorten them).
	Client transport.ClientOptions
	// Limits configures the peer-mode home.
	Limits transport.Limits
	// PresenceInterval is how often each contact's home is pinged to tell
	// whether it is online (default 10 s; see [Messenger.Online]).
	PresenceInterval time.Duration
	// Privacy says whether read receipts and typing indicators are sent.
	Privacy Privacy

	// heldLimit, when set, replaces maxHeldBytes: tests hold few chunks
	// rather than sending 16 MiB. Unexported: no caller outside the
	// package can change it.
	heldLimit int64
	// searchGate, when set, holds the search index's build until it is
	// closed: tests see a messenger whose index is not built yet.
	searchGate chan struct{}

	Rand   io.Reader        // default crypto/rand
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard
}

// Messenger is the messenger core for one unlocked profile: it keeps the
// home running, sends, receives, and reports what happened as [Event]s.
// All methods are safe for concurrent use.
type Messenger struct {
	tokens    tokenState    // deposit tokens; see tokens.go
	apiTokens apiTokenCache // live API tokens by hash; see assign_cache.go
	cfg       Config
	// privacyMu guards cfg.Privacy, which SetPrivacy changes.
	privacyMu sync.Mutex
	st        *store.Store
	rand      io.Reader
	now       func() time.Time
	log       *slog.Logger
	identity  keys.KeyPair
	local     session.Local

	// mu serializes everything that reads and writes ratchet sessions, so
	// that a session is never used by two operations at once.
	mu sync.Mutex
	// pipe commits 1:1 sends after m.mu is released ([sendPipe]).
	pipe *sendPipe

	server   *transport.Server // peer mode only
	listener net.Listener
	home     string         // our home's address
	homeKey  keys.PublicKey // the identity key our home must present

	events    *eventQueue
	changes   changes       // wakes WaitSent and Flush
	ready     chan struct{} // closed once our prekeys are at our home
	readyOnce sync.Once
	settling  settling // the backlog at our home has been handled ([Messenger.Settled])

	// Set when the messenger owns its store ([Open], [Create]): Close
	// closes it, and Restore reopens the profile with the passphrase.
	owned     bool
	profile   Profile
	pass      []byte
	closeOnce sync.Once
	receipts  receiptBatch
	wake      chan struct{} // the outbox has work
	timerWake chan struct{} // a message with an expiry was stored
	refill    chan struct{} // a one-time prekey was used: check the home's stock
	preKeyMu  sync.Mutex    // one prekey sync at a time (the home loop, the peer-mode stocking)
	presence  *presence
	files     transfers // files being sent
	pool      *connPool
	retry     retries      // decryption errors answered: resets and re-sends, per contact
	groups    groupRuntime // groups' state changes, tokens and waiting messages (groups.go)
	search    *searchState // the in-memory search index (search.go)
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	counters Counters  // what the metrics count; see counters.go
	hooks    hookState // wakes the webhook dispatcher; see webhooks.go
}

// CreateProfile fills a new store with an identity key, a registration id,
// the display name and the first prekeys. It is called once, before the
// first [Start].
func CreateProfile(ctx context.Context, st *store.Store, name string, r io.Reader) error {
	if r == nil {
		r = rand.Reader
	}
	identity, err := keys.GenerateKeyPair(r)
	if err != nil {
		return err
	}
	if err := st.SetIdentity(ctx, identity); err != nil {
		return err
	}
	if err := st.SetDisplayName(ctx, name); err != nil {
		return err
	}
	// libsignal's range for registration ids: 1 to 16380.
	n, err := rand.Int(r, big.NewInt(16380))
	if err != nil {
		return err
	}
	if err := st.SetSetting(ctx, settingRegistrationID, strconv.FormatInt(n.Int64()+1, 10)); err != nil {
		return err
	}
	m := &Messenger{st: st, rand: r, identity: identity}
	if err := issueRequestToken(ctx, st, m); err != nil {
		return err
	}
	return m.createPreKeys(ctx)
}

// Start runs the messenger: it starts the home (a listener of its own, or
// a connection to the relay), the outbox and the timers, and returns.
func Start(ctx context.Context, cfg Config) (*Messenger, error) {
	m, err := newMessenger(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := m.resumeFiles(ctx); err != nil {
		return nil, err
	}
	m.expirePending(ctx)
	if err := m.ensurePreKeys(ctx); err != nil {
		return nil, err
	}
	if err := m.startHome(); err != nil {
		return nil, err
	}
	if err := m.st.SetHomeAddress(ctx, m.home); err != nil {
		m.stopHome()
		return nil, err
	}
	if m.server != nil {
		// Our own home is right here: stock it before returning, so that
		// someone adding us a moment later finds our prekeys.
		if err := m.stockOwnHome(ctx); err != nil {
			m.stopHome()
			return nil, err
		}
		m.readyOnce.Do(func() { close(m.ready) })
	}
	m.run(m.homeLoop)
	m.run(m.outboxLoop)
	m.run(m.timerLoop)
	m.run(m.resetLoop)
	m.run(m.autoBackupLoop)
	m.run(m.presenceLoop)
	m.run(m.buildSearch) // in the background: nothing waits for it
	return m, nil
}

func newMessenger(ctx context.Context, cfg Config) (*Messenger, error) {
	if cfg.Store == nil {
		return nil, errors.New("chat: no store")
	}
	m := &Messenger{cfg: cfg, st: cfg.Store, rand: cfg.Rand, now: cfg.Now, log: cfg.Logger}
	if m.rand == nil {
		m.rand = rand.Reader
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.cfg.RetryMin <= 0 {
		m.cfg.RetryMin = 500 * time.Millisecond
	}
	if m.cfg.RetryMax <= 0 {
		m.cfg.RetryMax = 5 * time.Minute
	}
	if m.cfg.Downloads == "" {
		m.cfg.Downloads = filepath.Join(m.st.Dir(), "downloads")
	}
	var err error
	if m.identity, err = m.st.Identity(ctx); err != nil {
		return nil, fmt.Errorf("chat: no profile identity: %w", err)
	}
	reg, err := m.st.Setting(ctx, settingRegistrationID)
	if err != nil {
		return nil, fmt.Errorf("chat: no registration id: %w", err)
	}
	id, err := strconv.ParseUint(reg, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("chat: registration id: %w", err)
	}
	m.local = session.Local{Identity: m.identity, RegistrationID: uint32(id), Now: m.now}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.events = newEventQueue()
	m.pipe = newSendPipe(m.st)
	m.ready = make(chan struct{})
	m.presence = newPresence(m.cfg.PresenceInterval)
	m.search = newSearchState()
	m.events.observe = func(e Event) {
		m.presence.observe(m.now(), e)
		m.observeSearch(e)
	}
	m.wake = make(chan struct{}, 1)
	m.timerWake = make(chan struct{}, 1)
	m.refill = make(chan struct{}, 1)
	m.pool = newConnPool(m.cfg.Client)
	return m, nil
}

// run starts a background loop that ends with the messenger.
func (m *Messenger) run(loop func(context.Context)) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		loop(m.ctx)
	}()
}

// Close stops the loops and the home and waits for them. A store given in
// [Config] stays open: it belongs to the caller; one the messenger opened
// itself ([Open], [Create]) is closed, and the passphrase forgotten.
// Calling it again does nothing.
func (m *Messenger) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.flushReceipts() // queue what is pending; the outbox sends it next time
		m.expirePending(context.Background())
		m.cancel()
		err = m.stopHome()
		m.wg.Wait()
		m.search.idx.drop() // plaintext leaves memory with the profile
		m.pool.closeAll()
		m.events.close()
		if m.owned {
			err = errors.Join(err, m.st.Close())
			clear(m.pass)
		}
	})
	return err
}

// untilClosed returns ctx, ended also when the messenger closes, and
// what releases it: for network work that may be cut short (it is done
// again later) on paths that run under a context that does not end, as a
// received message's effect does once its session took the message.
func (m *Messenger) untilClosed(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(m.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// Events returns the channel of events. It is closed by [Messenger.Close].
func (m *Messenger) Events() <-chan Event { return m.events.out }

// Identity returns the profile's identity public key.
func (m *Messenger) Identity() keys.PublicKey { return m.identity.Public }

// Home returns the address of the profile's home.
func (m *Messenger) Home() string { return m.home }

// ViaRelay reports whether the profile's home is a relay rather than a
// listener of its own.
func (m *Messenger) ViaRelay() bool { return m.cfg.Relay != "" }

// Invite returns the profile's invite text, for others to add it.
func (m *Messenger) Invite() (string, error) {
	token, err := m.requestToken(context.Background())
	if err != nil {
		return "", err
	}
	return transport.Invite{Identity: m.identity.Public, Address: m.home, Token: token}.Encode()
}

// wakeOutbox tells the outbox loop there is something to deliver.
func (m *Messenger) wakeOutbox() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}
