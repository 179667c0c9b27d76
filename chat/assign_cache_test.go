package chat

import (
	"crypto/sha256"
	"testing"
	"time"

	"ratchat/store"
)

// TestAPITokenCache: a live token is served from memory once looked up; a
// revoked one is never cached; a look-up that raced a revocation (it took
// its generation before the clear) does not put the token back.
func TestAPITokenCache(t *testing.T) {
	live := store.AccessToken{ID: 1, Role: store.TokenAdmin}
	revoked := store.AccessToken{ID: 2, Role: store.TokenAgent, Revoked: time.Unix(1, 0)}
	h1, h2 := sha256.Sum256([]byte("one")), sha256.Sum256([]byte("two"))
	for _, c := range []struct {
		name  string
		run   func(c *apiTokenCache)
		hash  [sha256.Size]byte
		want  bool
		token store.AccessToken
	}{
		{"live token cached", func(c *apiTokenCache) { c.put(h1, live, c.generation()) }, h1, true, live},
		{"revoked token not cached", func(c *apiTokenCache) { c.put(h2, revoked, c.generation()) }, h2, false, store.AccessToken{}},
		{"cleared", func(c *apiTokenCache) { c.put(h1, live, c.generation()); c.clear() }, h1, false, store.AccessToken{}},
		{"raced a clear", func(c *apiTokenCache) {
			gen := c.generation()
			c.clear() // the revocation lands between the read and the put
			c.put(h1, live, gen)
		}, h1, false, store.AccessToken{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cache apiTokenCache
			c.run(&cache)
			got, ok := cache.get(c.hash)
			if ok != c.want || got.ID != c.token.ID {
				t.Errorf("get: %+v, %v; want %+v, %v", got, ok, c.token, c.want)
			}
		})
	}
}
