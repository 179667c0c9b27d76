package chat

import (
	"crypto/sha256"
	"sync"

	"ratchat/store"
)

// maxCachedAPITokens bounds the API tokens kept in memory; past it the
// cache starts over.
const maxCachedAPITokens = 1024

// apiTokenCache keeps the live API tokens already looked up, by hash, so
// that a busy HTTP client does not cost a store query per request (6 % of
// the send path's CPU). A token changes only when it is revoked, which
// empties the cache; the generation makes sure that a look-up that raced
// the revocation does not put the token back.
type apiTokenCache struct {
	mu     sync.Mutex
	gen    uint64
	tokens map[[sha256.Size]byte]store.AccessToken
}

// get returns the cached live token with this hash.
func (c *apiTokenCache) get(hash [sha256.Size]byte) (store.AccessToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[hash]
	return t, ok
}

// generation returns the number of clears so far; take it before reading
// the store, and give it to put.
func (c *apiTokenCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put caches a live token read from the store, unless the cache was
// cleared since gen was taken.
func (c *apiTokenCache) put(hash [sha256.Size]byte, t store.AccessToken, gen uint64) {
	if !t.Live() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.tokens == nil || len(c.tokens) >= maxCachedAPITokens {
		c.tokens = map[[sha256.Size]byte]store.AccessToken{}
	}
	c.tokens[hash] = t
}

// clear forgets every token; call it after a token is revoked.
func (c *apiTokenCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.tokens = nil
}
