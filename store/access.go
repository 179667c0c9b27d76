package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Table and columns of the access tokens, part of the sealed fields'
// associated data.
const (
	tableAccessTokens = "access_tokens"
	colTokenName      = "name"
	colTokenSkills    = "skills"
)

// TokenHashSize is the length of a token's hash (SHA-256).
const TokenHashSize = 32

// TokenRole is what a token may do; the api gives each its methods. The
// profile's owner has no token: it uses the socket.
type TokenRole uint8

// The roles a token can have.
const (
	TokenAdmin   TokenRole = 1 // everything but the owner's secrets
	TokenAgent   TokenRole = 2 // its own conversations only
	TokenMetrics TokenRole = 3 // /metrics only
)

// Bounds of a token's fields.
const (
	// MaxTokenName bounds a token's name, in bytes.
	MaxTokenName = 64
	// MaxSkills bounds an agent's skills; MaxSkill one skill's length.
	MaxSkills, MaxSkill = 32, 32
	// MaxChatsLimit bounds an agent's max chats.
	MaxChatsLimit = 10_000
)

// AccessToken is one api token, without its secret.
type AccessToken struct {
	ID   int64
	Role TokenRole
	// Name is the token's label; for an agent, the agent's name (what
	// --sign-agents appends).
	Name string
	// Skills are an agent's skills (lower case words); MaxChats bounds
	// its open conversations (0: no bound).
	Skills   []string
	MaxChats int
	Created  time.Time
	// Revoked is when the token was revoked (zero: it is live).
	Revoked time.Time
	// LastAssigned is when the agent was last given a conversation.
	LastAssigned time.Time
}

// Live reports whether the token still authenticates.
func (t AccessToken) Live() bool { return t.Revoked.IsZero() }

// HasSkill reports whether an agent has a skill ("" is everyone's).
func (t AccessToken) HasSkill(skill string) bool {
	if skill == "" {
		return true
	}
	for _, s := range t.Skills {
		if s == skill {
			return true
		}
	}
	return false
}

// checkToken checks a token's fields against their bounds.
func checkToken(t AccessToken) error {
	if t.Role < TokenAdmin || t.Role > TokenMetrics {
		return fmt.Errorf("store: token role %d: %w", t.Role, ErrCorrupt)
	}
	if len(t.Name) > MaxTokenName || len(t.Skills) > MaxSkills || t.MaxChats < 0 || t.MaxChats > MaxChatsLimit {
		return fmt.Errorf("store: token fields out of bounds: %w", ErrCorrupt)
	}
	for _, s := range t.Skills {
		if s == "" || len(s) > MaxSkill || strings.ContainsRune(s, ',') {
			return fmt.Errorf("store: skill %q: %w", s, ErrCorrupt)
		}
	}
	return nil
}

// CreateAccessToken stores a token by the hash of its text and returns its
// id. The text itself is not kept: it is shown to the user once.
func (s *Store) CreateAccessToken(ctx context.Context, t AccessToken, hash [TokenHashSize]byte) (int64, error) {
	if err := checkToken(t); err != nil {
		return 0, err
	}
	var id int64
	err := s.write(ctx, func(tx querier) error {
		var err error
		if id, err = nextID(ctx, tx, tableAccessTokens); err != nil {
			return err
		}
		name, err := s.c.seal(tableAccessTokens, colTokenName, id, []byte(t.Name))
		if err != nil {
			return err
		}
		skills, err := s.c.seal(tableAccessTokens, colTokenSkills, id, []byte(strings.Join(t.Skills, ",")))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_tokens (id, hash, role, max_chats, created, name, skills)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, hash[:], t.Role, t.MaxChats, t.Created.UnixMilli(), name, skills)
		return wrapAccess(err)
	})
	return id, err
}

// tokenColumns are the columns scanToken reads, in order.
const tokenColumns = `id, hash, role, max_chats, created, revoked, last_assigned, name, skills`

// scanToken reads one access_tokens row and opens its sealed fields.
func (s *Store) scanToken(row interface{ Scan(...any) error }) (AccessToken, []byte, error) {
	var t AccessToken
	var hash, name, skills []byte
	var created, revoked, last int64
	if err := row.Scan(&t.ID, &hash, &t.Role, &t.MaxChats, &created, &revoked, &last, &name, &skills); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return t, nil, ErrNotFound
		}
		return t, nil, wrapAccess(err)
	}
	pn, err := s.c.open(tableAccessTokens, colTokenName, t.ID, name)
	if err != nil {
		return t, nil, err
	}
	ps, err := s.c.open(tableAccessTokens, colTokenSkills, t.ID, skills)
	if err != nil {
		return t, nil, err
	}
	t.Name = string(pn)
	if len(ps) > 0 {
		t.Skills = strings.Split(string(ps), ",")
	}
	t.Created = time.UnixMilli(created)
	if revoked != 0 {
		t.Revoked = time.UnixMilli(revoked)
	}
	if last != 0 {
		t.LastAssigned = time.UnixMilli(last)
	}
	return t, hash, checkToken(t)
}

// AccessTokenByHash returns the live token whose text hashes to hash, or
// [ErrNotFound] (unknown or revoked alike).
func (s *Store) AccessTokenByHash(ctx context.Context, hash [TokenHashSize]byte) (AccessToken, error) {
	q, err := s.reader()
	if err != nil {
		return AccessToken{}, err
	}
	t, stored, err := s.scanToken(q.QueryRowContext(ctx,
		`SELECT `+tokenColumns+` FROM access_tokens WHERE hash = ?`, hash[:]))
	if err != nil {
		return AccessToken{}, err
	}
	// Why compare again: the index found the row, but the answer should
	// not rest on how SQLite compared; a constant-time check costs nothing.
	if subtle.ConstantTimeCompare(stored, hash[:]) != 1 || !t.Live() {
		return AccessToken{}, ErrNotFound
	}
	return t, nil
}

// AccessToken returns a token by id, revoked or not.
func (s *Store) AccessToken(ctx context.Context, id int64) (AccessToken, error) {
	q, err := s.reader()
	if err != nil {
		return AccessToken{}, err
	}
	t, _, err := s.scanToken(q.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE id = ?`, id))
	return t, err
}

// AccessTokens returns every token, revoked ones included, oldest first.
func (s *Store) AccessTokens(ctx context.Context) ([]AccessToken, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	return s.tokens(ctx, q, `SELECT `+tokenColumns+` FROM access_tokens ORDER BY id`)
}

// tokens runs a query of tokenColumns and reads every row.
func (s *Store) tokens(ctx context.Context, q querier, query string, args ...any) ([]AccessToken, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapAccess(err)
	}
	defer rows.Close()
	var out []AccessToken
	for rows.Next() {
		t, _, err := s.scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, wrapAccess(rows.Err())
}

// RevokeAccessToken revokes a token at time at; an agent's conversations
// go back to the queue, and are handed to the other agents (the
// assignments made are returned). Revoking a revoked token changes
// nothing.
func (s *Store) RevokeAccessToken(ctx context.Context, id int64, at time.Time) ([]Assignment, error) {
	var made []Assignment
	err := s.write(ctx, func(tx querier) error {
		res, err := tx.ExecContext(ctx, `UPDATE access_tokens SET revoked = ? WHERE id = ? AND revoked = 0`, at.UnixMilli(), id)
		if err != nil {
			return wrapAccess(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM access_tokens WHERE id = ?`, id).Scan(&one); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return ErrNotFound
				}
				return wrapAccess(err)
			}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assignments SET agent = NULL, assigned = 0 WHERE agent = ?`, id); err != nil {
			return wrapAccess(err)
		}
		made, err = s.drain(ctx, tx, at)
		return err
	})
	return made, err
}

// wrapAccess prefixes a database error.
func wrapAccess(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("store: access: %w", err)
}
