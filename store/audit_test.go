package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// auditFill writes n audit entries an hour apart.
func auditFill(t *testing.T, s *Store, n int, at time.Time) {
	t.Helper()
	for i := range n {
		r := AuditRow{At: at.Add(time.Duration(i) * time.Hour), Actor: "owner", Action: "token.create", Detail: fmt.Sprint("token ", i)}
		if _, err := s.AppendAudit(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditVerifyCatchesTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, s *Store)
		reason string
		seq    int64
	}{
		{"intact", func(*testing.T, *Store) {}, "", 0},
		{"entry changed", func(t *testing.T, s *Store) {
			s.db.Exec(`UPDATE audit SET entry = (SELECT entry FROM audit WHERE id = 2) WHERE id = 3`)
		}, "changed", 3},
		{"entry removed", func(t *testing.T, s *Store) { s.db.Exec(`DELETE FROM audit WHERE id = 2`) }, "removed", 2},
		{"tail truncated", func(t *testing.T, s *Store) { s.db.Exec(`DELETE FROM audit WHERE id = 5`) }, "truncated", 5},
		{"head rolled back", func(t *testing.T, s *Store) {
			var hash []byte
			s.db.QueryRow(`SELECT hash FROM audit WHERE id = 4`).Scan(&hash)
			p := ChainPoint{Seq: 4}
			copy(p.Hash[:], hash)
			s.write(ctx, func(tx querier) error { return s.setAuditField(ctx, tx, colHead, p) })
		}, "ahead of the stored head", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestStore(t)
			auditFill(t, s, 5, time.Unix(1_800_000_000, 0))
			tt.tamper(t, s)
			err := s.VerifyAudit(ctx)
			var ae *AuditError
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("VerifyAudit = %v", err)
			case tt.reason != "" && (!errors.As(err, &ae) || ae.Reason != tt.reason || ae.Seq != tt.seq || !errors.Is(err, ErrAuditBroken)):
				t.Fatalf("VerifyAudit = %v, want entry %d %s", err, tt.seq, tt.reason)
			}
		})
	}
}

func TestAuditPruneKeepsChain(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	start := time.Unix(1_800_000_000, 0)
	auditFill(t, s, 10, start)
	n, err := s.PruneAudit(ctx, start.Add(4*time.Hour)) // entries at hours 0-3 go
	if err != nil || n != 4 {
		t.Fatalf("PruneAudit = %d, %v; want 4", n, err)
	}
	if err := s.VerifyAudit(ctx); err != nil {
		t.Fatalf("VerifyAudit after pruning: %v", err)
	}
	rows, err := s.AuditRows(ctx, 100)
	if err != nil || len(rows) != 6 || rows[0].Seq != 5 || rows[5].Detail != "token 9" {
		t.Fatalf("AuditRows = %+v, %v", rows, err)
	}
	if n, _ := s.PruneAudit(ctx, start.Add(100*time.Hour)); n != 5 {
		t.Fatalf("pruning everything took %d, want all but the newest (5)", n)
	}
	s.db.Exec(`DELETE FROM audit`) // the newest too: now the head has no row
	if err := s.VerifyAudit(ctx); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("VerifyAudit of an emptied log = %v", err)
	}
}
