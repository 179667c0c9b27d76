package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns the value of the named setting, or [ErrNotFound].
func (s *Store) Setting(ctx context.Context, name string) (string, error) {
	q, err := s.reader()
	if err != nil {
		return "", err
	}
	var id int64
	var ct []byte
	err = q.QueryRowContext(ctx, `SELECT id, value FROM settings WHERE name_index = ?`,
		s.settingIndex(name)).Scan(&id, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: reading setting: %w", err)
	}
	v, err := s.c.open(tableSettings, colValue, id, ct)
	return string(v), err
}

// SetSetting stores the value of the named setting, replacing any other.
func (s *Store) SetSetting(ctx context.Context, name, value string) error {
	return s.write(ctx, func(tx querier) error { return s.setSetting(ctx, tx, name, value) })
}

// setSetting is SetSetting inside a transaction.
func (s *Store) setSetting(ctx context.Context, tx querier, name, value string) error {
	idx := s.settingIndex(name)
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM settings WHERE name_index = ?`, idx).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return s.insertSetting(ctx, tx, idx, name, value)
	}
	if err != nil {
		return fmt.Errorf("store: reading setting: %w", err)
	}
	ct, err := s.c.seal(tableSettings, colValue, id, []byte(value))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = ? WHERE id = ?`, ct, id); err != nil {
		return fmt.Errorf("store: writing setting: %w", err)
	}
	return nil
}

// insertSetting adds a new setting row.
func (s *Store) insertSetting(ctx context.Context, tx querier, idx []byte, name, value string) error {
	id, err := nextID(ctx, tx, tableSettings)
	if err != nil {
		return err
	}
	n, err := s.c.seal(tableSettings, colName, id, []byte(name))
	if err != nil {
		return err
	}
	v, err := s.c.seal(tableSettings, colValue, id, []byte(value))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO settings (id, name_index, name, value) VALUES (?, ?, ?, ?)`, id, idx, n, v)
	if err != nil {
		return fmt.Errorf("store: writing setting: %w", err)
	}
	return nil
}

// Settings returns every setting, by name (for backups).
func (s *Store) Settings(ctx context.Context) (map[string]string, error) {
	q, err := s.reader()
	if err != nil {
		return nil, err
	}
	return s.settings(ctx, q)
}

// settings is Settings on q.
func (s *Store) settings(ctx context.Context, q querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, value FROM settings ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: reading settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id int64
		var n, v []byte
		if err := rows.Scan(&id, &n, &v); err != nil {
			return nil, fmt.Errorf("store: reading settings: %w", err)
		}
		name, err := s.c.open(tableSettings, colName, id, n)
		if err != nil {
			return nil, err
		}
		value, err := s.c.open(tableSettings, colValue, id, v)
		if err != nil {
			return nil, err
		}
		out[string(name)] = string(value)
	}
	return out, rows.Err()
}

// settingIndex is the blind index of a setting's name.
func (s *Store) settingIndex(name string) []byte {
	return s.c.blind(s.keys.blindSetting, []byte(name))
}
