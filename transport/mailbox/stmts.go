package mailbox

import (
	"database/sql"
	"fmt"
)

// Statements are prepared once and reused: parsing SQL costs as much as
// running these small statements. Why per text rather than a fixed list:
// every query stays next to the code that runs it.

// prepared returns the prepared form of query, preparing it on first use.
func (s *Store) prepared(query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.Prepare(query)
	if err != nil {
		return nil, fmt.Errorf("mailbox: preparing statement: %w", err)
	}
	if prev, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// exec runs a prepared statement inside tx.
func (s *Store) exec(tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := s.prepared(query)
	if err != nil {
		return nil, err
	}
	return tx.Stmt(st).Exec(args...)
}

// queryRow runs a prepared single-row query inside tx.
func (s *Store) queryRow(tx *sql.Tx, query string, args ...any) *sql.Row {
	st, err := s.prepared(query)
	if err != nil {
		// A query that cannot be prepared fails again, with its error, here.
		return tx.QueryRow(query, args...)
	}
	return tx.Stmt(st).QueryRow(args...)
}

// closeStmts closes every prepared statement.
func (s *Store) closeStmts() {
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
}
