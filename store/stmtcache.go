package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache prepares each query once per store. SQLite otherwise parses
// every statement on every call, which is a fifth of the cost of an
// insert; database/sql then reuses a statement on each connection it was
// prepared on, inside transactions too (Tx.StmtContext).
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// get returns the prepared statement of query. Every query string of this
// package is built from constants, so the map stays small. Inside a
// transaction, a statement not yet cached is prepared on another pooled
// connection: the pool must not be limited to one connection.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// close closes every prepared statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// cacheable reports whether a query may be prepared: a script of several
// statements (a migration) may not, as a prepared statement is one only.
func cacheable(query string) bool { return !strings.Contains(query, ";") }

// dbQuerier runs queries outside a transaction through the cache.
type dbQuerier struct{ c *stmtCache }

// ExecContext runs a statement outside a transaction, prepared once.
func (q dbQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !cacheable(query) {
		return q.c.db.ExecContext(ctx, query, args...)
	}
	st, err := q.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a query outside a transaction, prepared once.
func (q dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !cacheable(query) {
		return q.c.db.QueryContext(ctx, query, args...)
	}
	st, err := q.c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a query for one row outside a transaction, prepared once.
func (q dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !cacheable(query) {
		return q.c.db.QueryRowContext(ctx, query, args...)
	}
	st, err := q.c.get(ctx, query)
	if err != nil {
		return q.c.db.QueryRowContext(ctx, query, args...) // reports the error
	}
	return st.QueryRowContext(ctx, args...)
}

// txQuerier runs queries inside a transaction through the cache.
type txQuerier struct {
	tx *sql.Tx
	c  *stmtCache
}

// stmt returns the transaction's form of the cached statement, or nil to
// run query directly.
func (q txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if !cacheable(query) {
		return nil
	}
	st, err := q.c.get(ctx, query)
	if err != nil {
		return nil
	}
	return q.tx.StmtContext(ctx, st)
}

// ExecContext runs a statement inside the transaction, prepared once.
func (q txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query inside the transaction, prepared once.
func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row inside the transaction, prepared once.
func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}
